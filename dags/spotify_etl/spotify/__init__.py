"""Where responses come from: the live Web API (`client`, with `oauth` and the one-time `login`)
or the bundled sample (`sample`), both answering the `Source` protocol of `responses`."""
