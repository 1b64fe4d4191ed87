package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestAPIKeysSecretIsRotatedByTheAdminFunction: a rotation schedule on the
// API keys secret names the admin function's live alias, Secrets Manager
// may invoke that alias, and the admin function's role holds the rotation
// actions on that secret.
func TestAPIKeysSecretIsRotatedByTheAdminFunction(t *testing.T) {
	s := shared(t)
	ids := functionIDs(t, s.rootJSON)
	adminFn := ids[RotationFunction]
	var adminAlias string
	for id, a := range resources(s.rootJSON, "AWS::Lambda::Alias") {
		if ref(props(a)["FunctionName"]) == adminFn {
			adminAlias = id
		}
	}
	if adminAlias == "" {
		t.Fatalf("no alias of the %s function", RotationFunction)
	}
	var apiKeys string
	for id, sec := range resources(s.rootJSON, "AWS::SecretsManager::Secret") {
		if gen, _ := props(sec)["GenerateSecretString"].(map[string]any); gen["GenerateStringKey"] == APIKeysBootstrapField {
			apiKeys = id
		}
	}
	schedules := resources(s.rootJSON, "AWS::SecretsManager::RotationSchedule")
	if len(schedules) != 1 {
		t.Fatalf("rotation schedules: %d, want 1", len(schedules))
	}
	for _, sch := range schedules {
		p := props(sch)
		if ref(p["SecretId"]) != apiKeys {
			t.Errorf("the schedule rotates %v, want the API keys secret %s", p["SecretId"], apiKeys)
		}
		if ref(p["RotationLambdaARN"]) != adminAlias {
			t.Errorf("the schedule's function is %v, want the admin live alias %s", p["RotationLambdaARN"], adminAlias)
		}
		rules, _ := p["RotationRules"].(map[string]any)
		if fmt.Sprint(rules["ScheduleExpression"]) != fmt.Sprintf("rate(%d days)", APIKeysRotationDays) &&
			fmt.Sprint(rules["AutomaticallyAfterDays"]) != fmt.Sprint(APIKeysRotationDays) {
			t.Errorf("rotation rules %v, want every %d days", rules, APIKeysRotationDays)
		}
	}
	invokable := false
	for _, perm := range resources(s.rootJSON, "AWS::Lambda::Permission") {
		p := props(perm)
		if p["Principal"] == "secretsmanager.amazonaws.com" && ref(p["FunctionName"]) == adminAlias && p["Action"] == "lambda:InvokeFunction" {
			invokable = true
		}
	}
	if !invokable {
		t.Error("Secrets Manager may not invoke the admin alias")
	}
	role, _ := getAtt(props(resources(s.rootJSON, "AWS::Lambda::Function")[adminFn])["Role"])
	granted := map[string]bool{}
	for _, pol := range resources(s.rootJSON, "AWS::IAM::Policy") {
		roles, _ := props(pol)["Roles"].([]any)
		if !slices.ContainsFunc(roles, func(r any) bool { return ref(r) == role }) {
			continue
		}
		for _, st := range props(pol)["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			stmt := st.(map[string]any)
			if stmt["Effect"] != "Allow" || !strings.Contains(fmt.Sprint(stmt["Resource"]), apiKeys) {
				continue
			}
			for _, a := range stringList(stmt["Action"]) {
				granted[a] = true
			}
		}
	}
	for _, a := range []string{"secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"} {
		if !granted[a] {
			t.Errorf("the admin function may not %s on the API keys secret (granted: %v)", a, granted)
		}
	}
	// Only the rotation function may write it.
	for name, id := range ids {
		if name == RotationFunction {
			continue
		}
		r, _ := getAtt(props(resources(s.rootJSON, "AWS::Lambda::Function")[id])["Role"])
		for _, pol := range resources(s.rootJSON, "AWS::IAM::Policy") {
			roles, _ := props(pol)["Roles"].([]any)
			if slices.ContainsFunc(roles, func(x any) bool { return ref(x) == r }) && strings.Contains(fmt.Sprint(props(pol)["PolicyDocument"]), "secretsmanager:PutSecretValue") {
				t.Errorf("function %s may write secrets", name)
			}
		}
	}
}
