"""International police assistance: the domain, the casework store and the `ipa` command line."""
