"""Put text in time: normalisation, quote search, forced alignment and citations."""
