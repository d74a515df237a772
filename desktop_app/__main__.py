"""``python -m desktop_app`` starts LayerLab."""
import sys

from .app import main

sys.exit(main())
