"""`python -m spotify_etl.cli …` is `spotify-pipeline …`."""

import sys

from spotify_etl.cli.main import main

sys.exit(main())
