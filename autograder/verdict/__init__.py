"""The sandbox and the trusted verdict: every point a submission earns is decided here."""
