"""Adapters that implement the contexts' ports: storage, queues, gallery shards."""
