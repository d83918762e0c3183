"""Developer tools: demo data (`manage.py seed_demo`). The top layer, beside `config`: it
builds its world with every domain app's services, and no app imports it."""
