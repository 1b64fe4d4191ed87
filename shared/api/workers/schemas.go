package workersapi

import (
	"reflect"

	"github.com/riptidecrawler/riptide/shared/jobs"
	"github.com/riptidecrawler/riptide/shared/routes"
)

// Schemas returns the group's request and response schemas for the OpenAPI
// document, derived from the Go types.
func Schemas() routes.Schemas {
	enums := map[reflect.Type][]string{
		reflect.TypeFor[jobs.Type]():           typeNames(jobs.AllTypes),
		reflect.TypeFor[jobs.State]():          typeNames(jobs.AllStates),
		reflect.TypeFor[jobs.Priority]():       typeNames(jobs.AllPriorities),
		reflect.TypeFor[jobs.Overlap]():        {string(jobs.OverlapSkip), string(jobs.OverlapQueue)},
		reflect.TypeFor[jobs.ExpressionKind](): {string(jobs.KindCron5), string(jobs.KindCron6), string(jobs.KindRate)},
	}
	bodies := map[string]any{"WorkersJobSpec": jobs.Spec{}, "WorkersScheduleSpec": jobs.ScheduleSpec{}}
	responses := map[string]any{
		"WorkersAccepted": Accepted{}, "WorkersJob": jobs.Job{}, "WorkersJobPage": jobs.Page{}, "WorkersResult": ResultResponse{},
		"WorkersQueueReport": jobs.QueueReport{}, "WorkersWorkerReport": jobs.WorkerReport{}, "WorkersMetrics": jobs.Metrics{},
		"WorkersSchedule": jobs.ScheduleView{}, "WorkersScheduleList": ScheduleList{},
	}
	s := routes.Schemas{Components: map[string]any{}, Bodies: map[string]string{
		"workers.submit": "WorkersJobSpec", "workers.schedule.create": "WorkersScheduleSpec", "workers.schedule.update": "WorkersScheduleSpec",
	}, Responses: map[string]string{
		"workers.submit": "WorkersAccepted", "workers.list": "WorkersJobPage", "workers.get": "WorkersJob", "workers.result": "WorkersResult",
		"workers.cancel": "WorkersJob", "workers.cancel_post": "WorkersJob", "workers.queue": "WorkersQueueReport",
		"workers.workers": "WorkersWorkerReport", "workers.metrics": "WorkersMetrics", "workers.schedule.create": "WorkersSchedule",
		"workers.schedule.list": "WorkersScheduleList", "workers.schedule.get": "WorkersSchedule", "workers.schedule.update": "WorkersSchedule",
	}}
	required := map[string][]string{"WorkersJobSpec": {"type"}, "WorkersScheduleSpec": {}}
	for name, v := range bodies {
		sc := routes.SchemaOf(reflect.TypeOf(v), enums, true)
		if r := required[name]; len(r) > 0 {
			sc["required"] = r
		}
		s.Components[name] = sc
	}
	for name, v := range responses {
		s.Components[name] = routes.SchemaOf(reflect.TypeOf(v), enums, false)
	}
	return s
}

func typeNames[T ~string](all []T) []string {
	out := make([]string, len(all))
	for i, v := range all {
		out[i] = string(v)
	}
	return out
}
