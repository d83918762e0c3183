"""The double-entry ledger, wallets, top-ups, tips, creator subscriptions and payouts."""
