/** Shared source texts for the parser tests. */

/** The legacy example of DESIGN §4, verbatim. */
export const designExample = `mod my_module
version 1.0
priority 75
overrides health_check

config {
  enabled bool true
  greeting str "hello"
  name str hello          # legacy unquoted value: accepted, warns, \`pcmod fmt\` quotes it
}

on_request {
  if path == "/hello" {
    set_header "X-Greeting" $greeting
    respond 200 text "Hello, $greeting!"
  }
  if path == /health {    # legacy bare word
    respond 200 json "{}"
  }
  log info "hello world"
  std.proxy.forward       # call without parentheses when it takes no arguments
}

on_response {
  set_header X-Processed true
}
`;
