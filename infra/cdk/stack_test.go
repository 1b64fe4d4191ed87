package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/riptidecrawler/riptide/shared/routes"
)

func TestOneLambdaFunctionPerTableEntry(t *testing.T) {
	s := shared(t)
	table := routes.Functions()
	// Exactly the table: no custom-resource Lambdas sneak in (log retention,
	// default-SG restriction), whose runtimes and roles nobody reviews.
	check(t, "function count", func() {
		s.root.ResourceCountIs(jsii.String("AWS::Lambda::Function"), jsii.Number(float64(len(table))))
	})
	ids := functionIDs(t, s.rootJSON)
	if len(ids) != len(table) {
		t.Fatalf("tagged functions = %d, table = %d", len(ids), len(table))
	}
	keys := map[any]string{}
	for _, f := range table {
		fn := resources(s.rootJSON, "AWS::Lambda::Function")[ids[f.Name]]
		key := props(fn)["Code"].(map[string]any)["S3Key"]
		if other, dup := keys[key]; dup {
			t.Errorf("functions %s and %s deploy the same code asset %v", other, f.Name, key)
		}
		keys[key] = f.Name
	}
}

func TestFunctionSettingsComeFromTable(t *testing.T) {
	s := shared(t)
	for _, f := range routes.Functions() {
		ephemeral := any(assertions.Match_Absent())
		if f.EphemeralMB > 0 {
			ephemeral = map[string]any{"Size": f.EphemeralMB}
		}
		// Only the render function reserves concurrency (render.go).
		reserved := any(assertions.Match_Absent())
		if f.NeedsChromium {
			reserved = DefaultRenderConcurrency
		}
		check(t, "function "+f.Name, func() {
			s.root.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]any{
				"Tags":                         assertions.Match_ArrayWith(&[]any{map[string]any{"Key": FunctionTag, "Value": f.Name}}),
				"Runtime":                      "provided.al2023",
				"Handler":                      "bootstrap",
				"Architectures":                []any{f.Architecture()},
				"MemorySize":                   f.MemoryMB,
				"Timeout":                      f.TimeoutSec,
				"EphemeralStorage":             ephemeral,
				"TracingConfig":                map[string]any{"Mode": "Active"},
				"ReservedConcurrentExecutions": reserved,
				"LoggingConfig":                map[string]any{"LogFormat": "JSON", "LogGroup": assertions.Match_AnyValue()},
				"VpcConfig": map[string]any{
					"SubnetIds":        assertions.Match_AnyValue(),
					"SecurityGroupIds": assertions.Match_AnyValue(),
				},
			})
		})
	}
}

func TestFunctionEnvironment(t *testing.T) {
	s := shared(t)
	redisID := only(t, resources(s.rootJSON, "AWS::ElastiCache::ReplicationGroup"))
	secretIDs := map[string]string{} // generated field (or "pepper") -> logical id
	for id, sec := range resources(s.rootJSON, "AWS::SecretsManager::Secret") {
		gen := props(sec)["GenerateSecretString"].(map[string]any)
		key, _ := gen["GenerateStringKey"].(string)
		if strings.Contains(id, "KeyPepper") {
			key = "pepper"
		}
		secretIDs[key] = id
	}
	apiKeys, redisAuth, pepper := secretIDs[APIKeysBootstrapField], secretIDs[""], secretIDs["pepper"]
	if apiKeys == "" || redisAuth == "" || pepper == "" {
		t.Fatalf("want an API keys secret, a plain Redis token secret and a pepper secret, got %v", secretIDs)
	}
	wantURL := fmt.Sprintf("rediss://<GetAtt:%s.PrimaryEndPoint.Address>:%d", redisID, RedisPort)
	for name, id := range functionIDs(t, s.rootJSON) {
		env := props(resources(s.rootJSON, "AWS::Lambda::Function")[id])["Environment"].(map[string]any)["Variables"].(map[string]any)
		if got := joined(env["REDIS_URL"]); got != wantURL {
			t.Errorf("%s: REDIS_URL = %s, want %s", name, got, wantURL)
		}
		if got := ref(env["REDIS_AUTH_SECRET_ARN"]); got != redisAuth {
			t.Errorf("%s: REDIS_AUTH_SECRET_ARN refers to %q, want the Redis token secret %s", name, got, redisAuth)
		}
		if got := ref(env["RIPTIDE_API_KEYS_SECRET_ARN"]); got != apiKeys {
			t.Errorf("%s: RIPTIDE_API_KEYS_SECRET_ARN refers to %q, want the API keys secret %s", name, got, apiKeys)
		}
		if got := ref(env["RIPTIDE_KEY_PEPPER_SECRET_ARN"]); got != pepper {
			t.Errorf("%s: RIPTIDE_KEY_PEPPER_SECRET_ARN refers to %q, want the pepper secret %s", name, got, pepper)
		}
		if env["RIPTIDE_KEY_PEPPER"] != nil {
			t.Errorf("%s: the pepper itself is in the environment", name)
		}
		if env["RIPTIDE_LOG_LEVEL"] != "info" {
			t.Errorf("%s: RIPTIDE_LOG_LEVEL = %v", name, env["RIPTIDE_LOG_LEVEL"])
		}
	}
}

func TestFunctionsCanReadBothSecrets(t *testing.T) {
	s := shared(t)
	secrets := resources(s.rootJSON, "AWS::SecretsManager::Secret")
	policies := resources(s.rootJSON, "AWS::IAM::Policy")
	for name, id := range functionIDs(t, s.rootJSON) {
		role, _ := getAtt(props(resources(s.rootJSON, "AWS::Lambda::Function")[id])["Role"])
		readable := map[string]bool{}
		for _, pol := range policies {
			roles, _ := props(pol)["Roles"].([]any)
			if !slices.ContainsFunc(roles, func(r any) bool { return ref(r) == role }) {
				continue
			}
			for _, st := range props(pol)["PolicyDocument"].(map[string]any)["Statement"].([]any) {
				stmt := st.(map[string]any)
				actions := fmt.Sprint(stmt["Action"])
				if stmt["Effect"] == "Allow" && strings.Contains(actions, "secretsmanager:GetSecretValue") {
					// cdk.json's minimizePolicies merges grants on
					// several resources into one statement.
					for _, r := range stringList(stmt["Resource"]) {
						readable[strings.TrimSuffix(strings.TrimPrefix(r, "<Ref:"), ">")] = true
					}
				}
			}
		}
		for sid := range secrets {
			if !readable[sid] {
				t.Errorf("function %s cannot read secret %s", name, sid)
			}
		}
	}
}

func TestLogGroupsHaveRetention(t *testing.T) {
	s := shared(t)
	for _, tmpl := range []map[string]any{s.rootJSON, s.restJSON} {
		for id, lg := range resources(tmpl, "AWS::Logs::LogGroup") {
			if props(lg)["RetentionInDays"] != float64(30) {
				t.Errorf("log group %s: RetentionInDays = %v, want 30", id, props(lg)["RetentionInDays"])
			}
		}
	}
	groups := resources(s.rootJSON, "AWS::Logs::LogGroup")
	for name, id := range functionIDs(t, s.rootJSON) {
		lc := props(resources(s.rootJSON, "AWS::Lambda::Function")[id])["LoggingConfig"].(map[string]any)
		if _, ok := groups[ref(lc["LogGroup"])]; !ok {
			t.Errorf("function %s logs to %v, not to a log group of this stack", name, lc["LogGroup"])
		}
	}
}

func TestRedisIsEncryptedPrivateAndReachableOnlyFromFunctions(t *testing.T) {
	s := shared(t)
	check(t, "replication group", func() {
		s.root.HasResourceProperties(jsii.String("AWS::ElastiCache::ReplicationGroup"), map[string]any{
			"Engine":                   "redis",
			"EngineVersion":            assertions.Match_StringLikeRegexp(jsii.String(`^7\.`)),
			"TransitEncryptionEnabled": true,
			// absent means "required"; "preferred" would accept plain connections
			"TransitEncryptionMode":    assertions.Match_Absent(),
			"AtRestEncryptionEnabled":  true,
			"NumCacheClusters":         2,
			"AutomaticFailoverEnabled": true,
			"MultiAZEnabled":           true,
			"Port":                     RedisPort,
		})
	})
	rg := props(resources(s.rootJSON, "AWS::ElastiCache::ReplicationGroup")[only(t, resources(s.rootJSON, "AWS::ElastiCache::ReplicationGroup"))])
	if tok := joined(rg["AuthToken"]); !strings.HasPrefix(tok, "{{resolve:secretsmanager:<Ref:") {
		t.Errorf("AuthToken = %s, want a Secrets Manager dynamic reference", tok)
	}

	// The subnet group holds exactly the private subnets.
	subnetGroup := resources(s.rootJSON, "AWS::ElastiCache::SubnetGroup")[ref(rg["CacheSubnetGroupName"])]
	if subnetGroup == nil {
		t.Fatalf("CacheSubnetGroupName %v is not a subnet group of this stack", rg["CacheSubnetGroupName"])
	}
	var got []string
	for _, sn := range props(subnetGroup)["SubnetIds"].([]any) {
		got = append(got, ref(sn))
	}
	if want := subnetsWhere(s.rootJSON, false); !slices.Equal(sorted(got), want) {
		t.Errorf("Redis subnets = %v, want the private subnets %v", got, want)
	}

	// The only ingress into the Redis group is 6379 from the functions' group.
	redisSG, _ := getAtt(rg["SecurityGroupIds"].([]any)[0])
	fnSG := ""
	for _, id := range functionIDs(t, s.rootJSON) {
		vpc := props(resources(s.rootJSON, "AWS::Lambda::Function")[id])["VpcConfig"].(map[string]any)
		sg, _ := getAtt(vpc["SecurityGroupIds"].([]any)[0])
		if fnSG != "" && sg != fnSG {
			t.Errorf("functions use different security groups (%s, %s)", fnSG, sg)
		}
		fnSG = sg
	}
	var rules []string
	for _, in := range resources(s.rootJSON, "AWS::EC2::SecurityGroupIngress") {
		p := props(in)
		if g, _ := getAtt(p["GroupId"]); g == redisSG {
			src, _ := getAtt(p["SourceSecurityGroupId"])
			rules = append(rules, fmt.Sprintf("%v %v-%v from %s", p["IpProtocol"], p["FromPort"], p["ToPort"], src))
		}
	}
	if inline := props(resources(s.rootJSON, "AWS::EC2::SecurityGroup")[redisSG])["SecurityGroupIngress"]; inline != nil {
		t.Errorf("Redis security group has inline ingress rules: %v", inline)
	}
	want := []string{fmt.Sprintf("tcp %d-%d from %s", RedisPort, RedisPort, fnSG)}
	if !slices.Equal(rules, want) {
		t.Errorf("Redis ingress = %v, want %v", rules, want)
	}
}

func TestVPCHasTwoNATsFlowLogsAndTwoAZs(t *testing.T) {
	s := shared(t)
	check(t, "flow log", func() {
		s.root.HasResourceProperties(jsii.String("AWS::EC2::FlowLog"), map[string]any{
			"ResourceType": "VPC", "TrafficType": "ALL", "LogDestinationType": "cloud-watch-logs",
		})
	})
	pub, priv := subnetsWhere(s.rootJSON, true), subnetsWhere(s.rootJSON, false)
	if len(pub) != 2 || len(priv) != 2 {
		t.Errorf("public subnets %v, private subnets %v: want two of each", pub, priv)
	}
	// One NAT gateway per AZ; each private subnet leaves through its own
	// AZ's gateway, so an AZ outage cannot cut the other AZ's egress.
	checkNATRoutes(t, s.rootJSON, 2)
}

// checkNATRoutes checks that tmpl has want NAT gateways, each in a public
// subnet, and that every private subnet's default route goes through one
// of them (a different one per subnet when there are two).
func checkNATRoutes(t *testing.T, tmpl map[string]any, want int) {
	t.Helper()
	nats := resources(tmpl, "AWS::EC2::NatGateway")
	if len(nats) != want {
		t.Fatalf("%d NAT gateways, want %d", len(nats), want)
	}
	public := subnetsWhere(tmpl, true)
	for id, n := range nats {
		if !slices.Contains(public, ref(props(n)["SubnetId"])) {
			t.Errorf("NAT gateway %s is not in a public subnet", id)
		}
	}
	// route table -> private subnet
	tableSubnet := map[string]string{}
	for _, a := range resources(tmpl, "AWS::EC2::SubnetRouteTableAssociation") {
		tableSubnet[ref(props(a)["RouteTableId"])] = ref(props(a)["SubnetId"])
	}
	used := map[string]string{} // private subnet -> NAT
	for _, rt := range resources(tmpl, "AWS::EC2::Route") {
		p := props(rt)
		if nat := ref(p["NatGatewayId"]); nat != "" && p["DestinationCidrBlock"] == "0.0.0.0/0" {
			used[tableSubnet[ref(p["RouteTableId"])]] = nat
		}
	}
	private := subnetsWhere(tmpl, false)
	distinct := map[string]bool{}
	for _, sn := range private {
		nat, ok := used[sn]
		if !ok {
			t.Errorf("private subnet %s has no default route through a NAT gateway", sn)
		}
		distinct[nat] = true
	}
	if len(distinct) != want {
		t.Errorf("private subnets use %d NAT gateways (%v), want %d", len(distinct), used, want)
	}
}

func TestAPIKeysSecretFormat(t *testing.T) {
	s := shared(t)
	check(t, "API keys secret", func() {
		s.root.HasResourceProperties(jsii.String("AWS::SecretsManager::Secret"), map[string]any{
			"GenerateSecretString": map[string]any{
				"SecretStringTemplate": assertions.Match_SerializedJson(map[string]any{"api_keys": []any{}}),
				"GenerateStringKey":    APIKeysBootstrapField,
				"ExcludePunctuation":   true,
			},
		})
	})
}

func TestKeyPepperSecretIsGenerated(t *testing.T) {
	s := shared(t)
	check(t, "pepper secret", func() {
		s.root.HasResourceProperties(jsii.String("AWS::SecretsManager::Secret"), map[string]any{
			"GenerateSecretString": map[string]any{
				"PasswordLength":       KeyPepperLength,
				"ExcludePunctuation":   true,
				"GenerateStringKey":    assertions.Match_Absent(),
				"SecretStringTemplate": assertions.Match_Absent(),
			},
		})
	})
}

func TestOutputs(t *testing.T) {
	s := shared(t)
	for _, id := range []string{"ApiUrl", "ApiKeysSecretArn", "RedisAuthSecretArn", "RedisEndpoint", "RedisUrl"} {
		check(t, "output "+id, func() { s.root.HasOutput(jsii.String(id), map[string]any{}) })
	}
}

// only returns the logical id of the single resource in m.
func only(t *testing.T, m map[string]map[string]any) string {
	t.Helper()
	if len(m) != 1 {
		t.Fatalf("want exactly one resource, got %d", len(m))
	}
	for id := range m {
		return id
	}
	return ""
}

// subnetsWhere lists the public (MapPublicIpOnLaunch) or private subnets.
func subnetsWhere(tmpl map[string]any, public bool) []string {
	var out []string
	for id, sn := range resources(tmpl, "AWS::EC2::Subnet") {
		if props(sn)["MapPublicIpOnLaunch"] == public {
			out = append(out, id)
		}
	}
	return sorted(out)
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}
