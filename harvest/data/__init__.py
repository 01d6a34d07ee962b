"""Data that ships with Harvest: the demo workshop (``demo_workshop.json``)."""
