; indexers/errors.py: everything a file-wide scan needs, in one pass.

(class_definition) @class

(function_definition) @function

; app.add_exception_handler(X, fn) / app.register_error_handler(X, fn)
(call
  function: (attribute attribute: (identifier) @_method)
  (#any-of? @_method "add_exception_handler" "register_error_handler")) @registration

; app.exception_handler(X)(fn) / app.errorhandler(404)(fn)
(call
  function: (call function: (attribute attribute: (identifier) @_inner))
  (#any-of? @_inner "errorhandler" "app_errorhandler" "exception_handler")) @curried

; FastAPI(exception_handlers={X: fn})
(keyword_argument
  name: (identifier) @_keyword
  (#eq? @_keyword "exception_handlers")) @mapping
