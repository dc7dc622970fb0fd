"""The clinic server: the API the participant app syncs with.

`api.create_app(database_url)` builds the FastAPI app (migrating the database first);
`iop-clinic serve` runs it, `iop-clinic demo` seeds a fictional demo clinic, and
`embedded.start_embedded_clinic()` runs that demo inside the app's own process.
"""
