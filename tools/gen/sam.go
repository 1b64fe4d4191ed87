package main

import (
	"bytes"
	"fmt"
	"strings"
	"unicode"

	"go.yaml.in/yaml/v3"

	"github.com/riptidecrawler/riptide/shared/routes"
)

// The SAM template is for local testing (`sam local start-api`,
// `sam local invoke -e events/...`); CDK (infra/cdk) is what deploys.
type samDoc struct {
	AWSTemplateFormatVersion string               `yaml:"AWSTemplateFormatVersion"`
	Transform                string               `yaml:"Transform"`
	Description              string               `yaml:"Description"`
	Parameters               map[string]samParam  `yaml:"Parameters"`
	Globals                  samGlobals           `yaml:"Globals"`
	Resources                map[string]samFunc   `yaml:"Resources"`
	Outputs                  map[string]samOutput `yaml:"Outputs"`
}

type samParam struct {
	Type        string `yaml:"Type"`
	Default     string `yaml:"Default"`
	NoEcho      bool   `yaml:"NoEcho,omitempty"`
	Description string `yaml:"Description"`
}

type samGlobals struct {
	Function struct {
		Runtime     string `yaml:"Runtime"`
		Handler     string `yaml:"Handler"`
		Tracing     string `yaml:"Tracing"`
		Environment struct {
			Variables map[string]any `yaml:"Variables"`
		} `yaml:"Environment"`
	} `yaml:"Function"`
}

type samFunc struct {
	Type       string          `yaml:"Type"`
	Properties samFuncProperty `yaml:"Properties"`
}

type samFuncProperty struct {
	FunctionName     any                 `yaml:"FunctionName,omitempty"`
	Description      string              `yaml:"Description"`
	CodeUri          string              `yaml:"CodeUri"`
	Architectures    []string            `yaml:"Architectures"`
	MemorySize       int                 `yaml:"MemorySize"`
	Timeout          int                 `yaml:"Timeout"`
	EphemeralStorage *samEphemeral       `yaml:"EphemeralStorage,omitempty"`
	Events           map[string]samEvent `yaml:"Events,omitempty"`
}

type samEphemeral struct {
	Size int `yaml:"Size"`
}

type samEvent struct {
	Type       string            `yaml:"Type"`
	Properties map[string]string `yaml:"Properties"`
}

type samOutput struct {
	Description string `yaml:"Description"`
	Value       any    `yaml:"Value"`
}

const samHeader = "# Generated from the route table in shared/api by `make sam`; do not edit.\n" +
	"# For local testing with the SAM CLI; infra/cdk is what deploys.\n"

func samTemplate() ([]byte, error) {
	doc := samDoc{
		AWSTemplateFormatVersion: "2010-09-09",
		Transform:                "AWS::Serverless-2016-10-31",
		Description:              "RipTide web crawling and extraction API (local testing template)",
		Parameters: map[string]samParam{
			"RedisUrl": {Type: "String", Default: "", Description: "REDIS_URL of a Redis reachable from the SAM containers; empty uses an in-process Redis per function"},
			"ApiKeys":  {Type: "String", Default: "local-dev-key", NoEcho: true, Description: "RIPTIDE_API_KEYS: comma-separated API keys"},
			"LogLevel": {Type: "String", Default: "info", Description: "RIPTIDE_LOG_LEVEL"},
		},
		Resources: map[string]samFunc{},
		Outputs: map[string]samOutput{
			"ApiUrl": {Description: "Base URL of the local API", Value: map[string]string{"Fn::Sub": "https://${ServerlessRestApi}.execute-api.${AWS::Region}.amazonaws.com/Prod"}},
		},
	}
	g := &doc.Globals.Function
	g.Runtime = "provided.al2023"
	g.Handler = "bootstrap"
	g.Tracing = "Active"
	g.Environment.Variables = map[string]any{
		"REDIS_URL":         map[string]string{"Ref": "RedisUrl"},
		"RIPTIDE_API_KEYS":  map[string]string{"Ref": "ApiKeys"},
		"RIPTIDE_LOG_LEVEL": map[string]string{"Ref": "LogLevel"},
	}
	for _, f := range routes.Functions() {
		p := samFuncProperty{
			Description:   f.Description,
			CodeUri:       "build/" + f.Name + "/",
			Architectures: []string{f.Architecture()},
			MemorySize:    f.MemoryMB,
			Timeout:       f.TimeoutSec,
			Events:        map[string]samEvent{},
		}
		if f.EphemeralMB > 0 {
			p.EphemeralStorage = &samEphemeral{Size: f.EphemeralMB}
		}
		for _, r := range routes.Group(f.Name) {
			if r.WebSocket {
				continue // served by the WebSocket API in AWS, not the REST API
			}
			for i, path := range r.Paths() {
				name := eventName(r, i)
				if _, dup := p.Events[name]; dup {
					return nil, fmt.Errorf("duplicate SAM event name %s", name)
				}
				p.Events[name] = samEvent{Type: "Api", Properties: map[string]string{"Path": path, "Method": strings.ToLower(r.Method)}}
			}
			// The original's other methods on the legacy paths.
			for _, m := range r.LegacyMethods {
				for i, path := range r.Legacy {
					name := eventName(r, 1+len(r.Aliases)+i) + logicalID(strings.ToLower(m))
					if _, dup := p.Events[name]; dup {
						return nil, fmt.Errorf("duplicate SAM event name %s", name)
					}
					p.Events[name] = samEvent{Type: "Api", Properties: map[string]string{"Path": path, "Method": strings.ToLower(m)}}
				}
			}
		}
		if len(p.Events) == 0 {
			p.Events = nil
		}
		doc.Resources[logicalID(f.Name)+"Function"] = samFunc{Type: "AWS::Serverless::Function", Properties: p}
	}
	var buf bytes.Buffer
	buf.WriteString(samHeader)
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// eventName is a CloudFormation-safe, unique name per path of a route.
func eventName(r routes.Route, pathIndex int) string {
	base := logicalID(r.Op)
	switch {
	case pathIndex == 0:
		return base
	case pathIndex <= len(r.Aliases):
		return fmt.Sprintf("%sAlias%d", base, pathIndex)
	default:
		return fmt.Sprintf("%sLegacy%d", base, pathIndex-len(r.Aliases))
	}
}

// logicalID turns "sessions.cookies.get" or "crawl-ws" into "SessionsCookiesGet".
func logicalID(s string) string {
	var b strings.Builder
	up := true
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			up = true
			continue
		}
		if up {
			r = unicode.ToUpper(r)
			up = false
		}
		b.WriteRune(r)
	}
	return b.String()
}
