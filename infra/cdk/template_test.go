package main

import (
	"slices"
	"testing"
)

// statement is one statement of an inline IAM policy, with each resource
// flattened by joined ("<GetAtt:Bucket.Arn>/*").
type statement struct {
	effect    string
	actions   []string
	resources []string
}

// stringList returns v (a string or a list of them) as a list, each value
// flattened by joined.
func stringList(v any) []string {
	if l, ok := v.([]any); ok {
		var out []string
		for _, x := range l {
			out = append(out, joined(x))
		}
		return out
	}
	if v == nil {
		return nil
	}
	return []string{joined(v)}
}

// roleStatements returns the statements of every AWS::IAM::Policy of
// tmpl attached to the role roleID.
func roleStatements(tmpl map[string]any, roleID string) []statement {
	var out []statement
	for _, pol := range resources(tmpl, "AWS::IAM::Policy") {
		roles, _ := props(pol)["Roles"].([]any)
		if !slices.ContainsFunc(roles, func(r any) bool { return ref(r) == roleID }) {
			continue
		}
		stmts, _ := dig(props(pol), "PolicyDocument", "Statement").([]any)
		for _, st := range stmts {
			m, _ := st.(map[string]any)
			e, _ := m["Effect"].(string)
			out = append(out, statement{effect: e, actions: stringList(m["Action"]), resources: stringList(m["Resource"])})
		}
	}
	return out
}

// functionStatements maps function name -> statements of its role.
func functionStatements(t *testing.T, tmpl map[string]any) map[string][]statement {
	t.Helper()
	out := map[string][]statement{}
	for name, id := range functionIDs(t, tmpl) {
		role, _ := getAtt(props(resources(tmpl, "AWS::Lambda::Function")[id])["Role"])
		if role == "" {
			t.Fatalf("function %s: role is not a GetAtt of a role of this stack", name)
		}
		out[name] = roleStatements(tmpl, role)
	}
	return out
}

// functionEnv returns the environment variables of the function with
// logical id id.
func functionEnv(tmpl map[string]any, id string) map[string]any {
	env, _ := props(resources(tmpl, "AWS::Lambda::Function")[id])["Environment"].(map[string]any)
	vars, _ := env["Variables"].(map[string]any)
	return vars
}

// dig walks v through map keys (string) and list indexes (int), returning
// nil where the path does not exist, so a template missing a property
// fails the check that reads it instead of panicking the test binary.
func dig(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			l, _ := v.([]any)
			if k < 0 || k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

// aliasIDs maps function name -> logical id of its live alias.
func aliasIDs(t *testing.T, tmpl map[string]any) map[string]string {
	t.Helper()
	byFn := map[string]string{}
	for id, a := range resources(tmpl, "AWS::Lambda::Alias") {
		if props(a)["Name"] == LiveAlias {
			byFn[ref(props(a)["FunctionName"])] = id
		}
	}
	out := map[string]string{}
	for name, fnID := range functionIDs(t, tmpl) {
		if id, ok := byFn[fnID]; ok {
			out[name] = id
		}
	}
	return out
}
