"""Batches: process folders of recordings resumably, here or on a Dask cluster.

``discovery`` finds audio files, ``catalog`` keeps the job state in SQLite inside the archive,
``work`` does one recording's stages, ``runner`` runs a batch with local worker processes and
``dask_runner`` on a Dask distributed cluster.
"""
