package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// artifactBuckets returns the logical ids of the artifacts bucket (the one
// named in the render function's RIPTIDE_ARTIFACTS_BUCKET) and of its access
// log bucket.
func artifactBuckets(t *testing.T, tmpl map[string]any) (bucket, logs string) {
	t.Helper()
	buckets := resources(tmpl, "AWS::S3::Bucket")
	bucket = ref(functionEnv(tmpl, functionIDs(t, tmpl)[tableRenderFunction(t).Name])["RIPTIDE_ARTIFACTS_BUCKET"])
	if lc, ok := props(buckets[bucket])["LoggingConfiguration"].(map[string]any); ok {
		logs = ref(lc["DestinationBucketName"])
	}
	if buckets[bucket] == nil || buckets[logs] == nil {
		t.Fatalf("artifacts bucket %q or its log bucket %q missing: %v", bucket, logs, buckets)
	}
	return bucket, logs
}

func TestArtifactsBucketIsPrivateEncryptedAndExpires(t *testing.T) {
	s := shared(t)
	bucket, logs := artifactBuckets(t, s.rootJSON)
	buckets := resources(s.rootJSON, "AWS::S3::Bucket")
	for id, days := range map[string]float64{bucket: 7, logs: 90} {
		b := buckets[id]
		p := props(b)
		for _, k := range []string{"BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"} {
			if v := dig(p, "PublicAccessBlockConfiguration", k); v != true {
				t.Errorf("bucket %s: %s = %v, want true", id, k, v)
			}
		}
		if alg := dig(p, "BucketEncryption", "ServerSideEncryptionConfiguration", 0, "ServerSideEncryptionByDefault", "SSEAlgorithm"); alg != "AES256" {
			t.Errorf("bucket %s: SSE %v, want AES256 (S3-managed)", id, alg)
		}
		rules, _ := dig(p, "LifecycleConfiguration", "Rules").([]any)
		if id == logs && (len(rules) != 1 || dig(rules, 0, "ExpirationInDays") != days || dig(rules, 0, "Status") != "Enabled") {
			t.Errorf("bucket %s: lifecycle %v, want objects to expire after %v days", id, rules, days)
		}
		// Kept on stack deletion; emptied by nobody.
		if b["DeletionPolicy"] != "Retain" || b["UpdateReplacePolicy"] != "Retain" {
			t.Errorf("bucket %s: DeletionPolicy %v, UpdateReplacePolicy %v; want Retain", id, b["DeletionPolicy"], b["UpdateReplacePolicy"])
		}
		if p["AccessControl"] != nil || p["WebsiteConfiguration"] != nil {
			t.Errorf("bucket %s: ACL %v / website %v, want neither", id, p["AccessControl"], p["WebsiteConfiguration"])
		}
	}
	// The artifacts bucket: every prefix expires, spider records later than
	// the rest, and no rule without a prefix expires objects (S3 would
	// honour the shortest of overlapping rules and cut the spider records').
	rules, _ := dig(props(buckets[bucket]), "LifecycleConfiguration", "Rules").([]any)
	expiry := map[string]any{}
	aborts := false
	for _, r := range rules {
		if dig(r, "Status") != "Enabled" {
			t.Errorf("artifacts lifecycle rule %v is not enabled", r)
		}
		prefix, _ := dig(r, "Prefix").(string)
		if days := dig(r, "ExpirationInDays"); days != nil {
			if prefix == "" {
				t.Errorf("artifacts lifecycle rule %v expires every prefix", r)
			}
			expiry[prefix] = days
		}
		aborts = aborts || (prefix == "" && dig(r, "AbortIncompleteMultipartUpload") != nil)
	}
	want := map[string]any{SpiderRecordsPrefix: float64(SpiderRecordExpiryDays)}
	for _, prefix := range ArtifactPrefixes {
		want[prefix] = float64(ArtifactsExpiryDays)
	}
	// Uploaded WASM modules never expire (they are deleted through the API).
	if fmt.Sprint(expiry) != fmt.Sprint(want) || expiry[ModulesPrefix] != nil {
		t.Errorf("artifacts expiry by prefix %v, want %v", expiry, want)
	}
	if !aborts {
		t.Errorf("artifacts lifecycle %v does not abort incomplete multipart uploads", rules)
	}
	// No auto-delete custom resource (it would add a Node.js Lambda): the
	// only custom resource is the migration, served by a table function.
	for id, r := range s.rootJSON["Resources"].(map[string]any) {
		if typ, _ := dig(r, "Type").(string); strings.HasPrefix(typ, "Custom::") && typ != "Custom::RiptideMigration" {
			t.Errorf("custom resource %s (%s)", id, typ)
		}
	}

	// Every bucket refuses plain HTTP.
	policies := map[string]map[string]any{}
	for _, pol := range resources(s.rootJSON, "AWS::S3::BucketPolicy") {
		policies[ref(props(pol)["Bucket"])], _ = props(pol)["PolicyDocument"].(map[string]any)
	}
	for _, id := range []string{bucket, logs} {
		denied := false
		stmts, _ := policies[id]["Statement"].([]any)
		for _, st := range stmts {
			m, _ := st.(map[string]any)
			if m["Effect"] == "Deny" && m["Action"] == "s3:*" && dig(m, "Condition", "Bool", "aws:SecureTransport") == "false" {
				denied = true
			}
		}
		if !denied {
			t.Errorf("bucket %s: no policy denying requests without TLS", id)
		}
	}
	// Access logs are delivered by the logging service, from exactly the
	// buckets of this stack that log there (artifacts, backups, audit).
	var sources, loggers []string
	for id, b := range buckets {
		if ref(dig(props(b), "LoggingConfiguration", "DestinationBucketName")) == logs {
			loggers = append(loggers, id)
		}
	}
	logStmts, _ := policies[logs]["Statement"].([]any)
	for _, st := range logStmts {
		m, _ := st.(map[string]any)
		if m["Effect"] == "Allow" && dig(m, "Principal", "Service") == "logging.s3.amazonaws.com" && m["Action"] == "s3:PutObject" {
			src, _ := getAtt(dig(m, "Condition", "ArnLike", "aws:SourceArn"))
			sources = append(sources, src)
		}
	}
	if !slices.Contains(loggers, bucket) || !slices.Equal(sorted(sources), sorted(loggers)) {
		t.Errorf("log bucket accepts logs from %v, want exactly the buckets logging to it %v (the artifacts bucket %s among them)", sources, loggers, bucket)
	}
}

// The render function puts and signs artifacts; the workers function keeps
// job result pages under results/ (and lists them for a job's pages) and
// the admin function deletes them with a tenant; the functions that run,
// read or delete spider runs keep large result records under spider/;
// strategies manages WASM modules under modules/ and every function that
// runs extraction reads them; no other function touches the bucket.
func TestOnlyRenderFunctionUsesArtifactsBucket(t *testing.T) {
	s := shared(t)
	bucket, logs := artifactBuckets(t, s.rootJSON)
	render := tableRenderFunction(t)
	ids := functionIDs(t, s.rootJSON)
	readWrite := []string{"s3:DeleteObject", "s3:GetObject", "s3:ListBucket", "s3:PutObject"}
	spiderAccess := struct{ actions, resources []string }{
		readWrite, []string{"<GetAtt:" + bucket + ".Arn>", "<GetAtt:" + bucket + ".Arn>/spider/*"},
	}
	resultsAndSpider := struct{ actions, resources []string }{
		readWrite, []string{"<GetAtt:" + bucket + ".Arn>", "<GetAtt:" + bucket + ".Arn>/results/*", "<GetAtt:" + bucket + ".Arn>/spider/*"},
	}
	// Every function that runs extraction reads WASM modules (GetObject on
	// modules/*); strategies manages them.
	modules := "<GetAtt:" + bucket + ".Arn>/modules/*"
	withModules := func(a struct{ actions, resources []string }) struct{ actions, resources []string } {
		a.resources = append(slices.Clone(a.resources), modules)
		slices.Sort(a.resources)
		return a
	}
	want := map[string]struct{ actions, resources []string }{
		render.Name:  {[]string{"s3:AbortMultipartUpload", "s3:GetObject", "s3:PutObject"}, []string{"<GetAtt:" + bucket + ".Arn>/*", modules}},
		JobsWorker:   withModules(resultsAndSpider),
		"admin":      resultsAndSpider,
		"spider":     withModules(spiderAccess),
		"crawl":      withModules(spiderAccess),
		"firecrawl":  withModules(spiderAccess),
		"crawl-ws":   {[]string{"s3:GetObject"}, []string{modules}},
		"deepsearch": {[]string{"s3:GetObject"}, []string{modules}},
		"strategies": {readWrite, []string{"<GetAtt:" + bucket + ".Arn>", modules}},
	}
	for name, stmts := range functionStatements(t, s.rootJSON) {
		var actions, objects []string
		for _, st := range stmts {
			for _, r := range st.resources {
				if strings.Contains(r, "<GetAtt:"+logs+".Arn>") {
					t.Errorf("function %s has access to the access log bucket: %v", name, st.actions)
				}
				if strings.Contains(r, "<GetAtt:"+bucket+".Arn>") || strings.Contains(r, "<Ref:"+bucket+">") {
					actions = append(actions, st.actions...)
					objects = append(objects, r)
				}
			}
		}
		env := functionEnv(s.rootJSON, ids[name])
		w, ok := want[name]
		if !ok {
			if len(actions) > 0 {
				t.Errorf("function %s may %v on the artifacts bucket", name, actions)
			}
			continue
		}
		if ref(env["RIPTIDE_ARTIFACTS_BUCKET"]) != bucket {
			t.Errorf("%s: RIPTIDE_ARTIFACTS_BUCKET = %v, want the bucket name (Ref %s)", name, env["RIPTIDE_ARTIFACTS_BUCKET"], bucket)
		}
		slices.Sort(actions)
		slices.Sort(objects)
		if actions = slices.Compact(actions); !slices.Equal(actions, w.actions) {
			t.Errorf("%s: artifacts actions %v, want %v", name, actions, w.actions)
		}
		if objects = slices.Compact(objects); !slices.Equal(objects, w.resources) {
			t.Errorf("%s: artifacts resources %v, want %v", name, objects, w.resources)
		}
	}
	if o := dig(s.rootJSON, "Outputs", "ArtifactsBucketName", "Value"); ref(o) != bucket {
		t.Errorf("output ArtifactsBucketName = %v, want Ref %s", o, bucket)
	}
}
