"""The declarative specs (forms, code lists, rules, indicators, tables, disclosure policy), installed as package data of
``yearbook.schemas``; read them through :func:`yearbook.config.schemas_dir`."""
