"""Application services: what the screens call. They use the store and the clinic
client; the screens never touch TinyDB or HTTP themselves."""
