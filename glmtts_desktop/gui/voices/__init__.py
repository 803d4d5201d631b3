"""The voices a person keeps, in the app: the Voices view, consent records, the archive menu."""
