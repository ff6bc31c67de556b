"""The raw zone: where every file lives (`layout`), the manifests that commit them
(`manifest`) and the protocol that swaps a date in whole (`commit`).

Standard library only, so both sides use it: the extractors write through it, the transform,
the pipeline and the report read through it.
"""
