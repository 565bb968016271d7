; indexers/errors.py: return statements (scoping to one function is done in Python).
(return_statement) @return
