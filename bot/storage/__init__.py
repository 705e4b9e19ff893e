"""The database: schema, migrations and one repository per aggregate. No SQL lives elsewhere."""
