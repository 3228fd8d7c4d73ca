"""The only modules that import provider SDKs (twilio, stripe)."""
