"""HTTP routes of the clinic API, grouped by who may call them."""
