"""The scheduler: a periodic sweep that computes what is due from the database.
Jobs hold no state; time comes from the app's clock, so tests call the sweep directly."""
