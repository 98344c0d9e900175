"""Mail connectors: Maildir, IMAP, SMTP and sendmail-style send commands."""
