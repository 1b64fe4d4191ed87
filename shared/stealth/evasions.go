package stealth

import _ "embed"

// evasionsJS is the page script: a function taking the JSON config that
// Plan builds. It patches prototypes, not instances, so objects a page
// creates later are covered too.
//
//go:embed evasions.js
var evasionsJS string
