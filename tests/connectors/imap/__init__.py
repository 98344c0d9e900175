"""IMAP/SMTP connector tests against a private Dovecot and an SMTP sink."""
