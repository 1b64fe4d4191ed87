// Package workersapi serves the workers endpoint group: async jobs
// (submit, list, get, result, cancel), the queue's and the workers'
// statistics, job metrics, and schedules.
package workersapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/httpx"
	"github.com/riptidecrawler/riptide/shared/jobs"
	"github.com/riptidecrawler/riptide/shared/ratelimit"
)

// Deps are what the group needs: the job service of this home.
type Deps struct {
	Service *jobs.Service
}

// Handlers returns the group's handlers keyed by operation id.
func Handlers(d Deps) map[string]http.Handler {
	return map[string]http.Handler{
		"workers.submit":          http.HandlerFunc(d.submit),
		"workers.list":            http.HandlerFunc(d.list),
		"workers.get":             http.HandlerFunc(d.get),
		"workers.result":          http.HandlerFunc(d.result),
		"workers.cancel":          http.HandlerFunc(d.cancel),
		"workers.cancel_post":     http.HandlerFunc(d.cancel),
		"workers.queue":           http.HandlerFunc(d.queue),
		"workers.workers":         http.HandlerFunc(d.workers),
		"workers.metrics":         http.HandlerFunc(d.metrics),
		"workers.schedule.create": http.HandlerFunc(d.createSchedule),
		"workers.schedule.list":   http.HandlerFunc(d.listSchedules),
		"workers.schedule.get":    http.HandlerFunc(d.getSchedule),
		"workers.schedule.update": http.HandlerFunc(d.updateSchedule),
		"workers.schedule.delete": http.HandlerFunc(d.deleteSchedule),
	}
}

// owner is who the job belongs to (httpx.Owner: the caller's tenant or
// id; with authentication off, every caller is the same owner).
func owner(r *http.Request) string { return httpx.Owner(r.Context()) }

// Accepted is the 202 answer of a submission.
type Accepted struct {
	JobID     string     `json:"job_id"`
	Status    jobs.State `json:"status"`
	StatusURL string     `json:"status_url"`
	ResultURL string     `json:"result_url"`
	// Created is false when the idempotency key matched an earlier job:
	// that job is answered, and nothing new runs.
	Created bool `json:"created"`
	// WebhookSecret is the generated secret that signs the job's webhook,
	// shown only in this answer.
	WebhookSecret string    `json:"webhook_secret,omitempty"`
	CreatedAt     time.Time `json:"created_at"`
}

// StatusURL is where a job is followed.
func StatusURL(id string) string { return "/api/v1/workers/jobs/" + id }

// AcceptedOf is the 202 body of a submission.
func AcceptedOf(sub *jobs.Submitted) Accepted {
	return Accepted{JobID: sub.Job.ID, Status: sub.Job.Status, StatusURL: StatusURL(sub.Job.ID), ResultURL: StatusURL(sub.Job.ID) + "/result",
		Created: sub.Created, WebhookSecret: sub.WebhookSecret, CreatedAt: sub.Job.CreatedAt}
}

// Location implements the crawl group's accepted-answer convention.
func (a Accepted) Location() string { return a.StatusURL }

func (d Deps) submit(w http.ResponseWriter, r *http.Request) {
	var spec jobs.Spec
	if err := httpx.Decode(r, &spec); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	// Validated first so that a mistaken submission spends nothing; then
	// its URLs come out of the caller's plan before the job exists.
	if err := d.Service.Validate(r.Context(), &spec); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	if err := httpx.SpendUpfront(r.Context(), ratelimit.URLs, float64(spec.URLCount())); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	sub, err := d.Service.Submit(r.Context(), owner(r), spec)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.AddUsage(r.Context(), int64(spec.URLCount()), 0, 0)
	acc := AcceptedOf(sub)
	w.Header().Set("Location", acc.StatusURL)
	httpx.WriteJSON(w, http.StatusAccepted, acc)
}

func bad(name, msg string) error {
	return core.Errorf(core.ErrValidation, "%s: %s", name, msg).WithDetails(core.Detail{Field: name, Message: msg})
}

func (d Deps) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := jobs.Filter{Status: jobs.State(q.Get("status")), Type: jobs.Type(q.Get("type")), Search: q.Get("search")}
	if f.Status != "" && !contains(jobs.AllStates, f.Status) {
		httpx.WriteError(w, r, bad("status", "not a job state"))
		return
	}
	if f.Type != "" && !contains(jobs.AllTypes, f.Type) {
		httpx.WriteError(w, r, bad("type", "not a job type"))
		return
	}
	limit := 50
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 500 {
			httpx.WriteError(w, r, bad("limit", "must be 1..500"))
			return
		}
		limit = n
	}
	page, err := d.Service.List(r.Context(), owner(r), f, q.Get("cursor"), limit)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	for i, j := range page.Jobs {
		page.Jobs[i] = j.View()
	}
	httpx.WriteJSON(w, http.StatusOK, page)
}

func contains[T comparable](all []T, v T) bool {
	for _, a := range all {
		if a == v {
			return true
		}
	}
	return false
}

func (d Deps) get(w http.ResponseWriter, r *http.Request) {
	j, err := d.Service.Get(r.Context(), owner(r), r.PathValue("id"))
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, http.StatusOK, j.View())
}

// ResultResponse is one page of a job's result.
type ResultResponse struct {
	JobID  string           `json:"job_id"`
	Status jobs.State       `json:"status"`
	Result *jobs.ResultInfo `json:"result"`
	// Error is why a job without a result failed.
	Error *core.ErrorInfo `json:"error,omitempty"`
	*jobs.ResultPage
}

func (d Deps) result(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	inline := q.Get("inline") == "true" || q.Get("inline") == "1"
	j, page, err := d.Service.Result(r.Context(), owner(r), r.PathValue("id"), q.Get("cursor"), inline)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, ResultResponse{JobID: j.ID, Status: j.Status, Result: j.Result, Error: j.LastError, ResultPage: page})
}

func (d Deps) cancel(w http.ResponseWriter, r *http.Request) {
	j, err := d.Service.Cancel(r.Context(), owner(r), r.PathValue("id"))
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	status := http.StatusOK
	if !j.Status.Terminal() {
		status = http.StatusAccepted // a running job stops within a heartbeat
	}
	httpx.WriteJSON(w, status, j.View())
}

func (d Deps) queue(w http.ResponseWriter, r *http.Request) {
	rep, err := d.Service.QueueReport(r.Context())
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, rep)
}

func (d Deps) workers(w http.ResponseWriter, r *http.Request) {
	rep, err := d.Service.WorkerReport(r.Context())
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, rep)
}

func (d Deps) metrics(w http.ResponseWriter, r *http.Request) {
	m, err := d.Service.Metrics(r.Context())
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, m)
}

func (d Deps) createSchedule(w http.ResponseWriter, r *http.Request) {
	var spec jobs.ScheduleSpec
	if err := httpx.Decode(r, &spec); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	v, err := d.Service.CreateSchedule(r.Context(), owner(r), spec)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/workers/schedule/"+v.ID)
	httpx.WriteJSON(w, http.StatusCreated, v)
}

// ScheduleList is GET /workers/schedule.
type ScheduleList struct {
	Schedules []*jobs.ScheduleView `json:"schedules"`
	Total     int                  `json:"total"`
}

func (d Deps) listSchedules(w http.ResponseWriter, r *http.Request) {
	all, err := d.Service.ListSchedules(r.Context(), owner(r))
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, ScheduleList{Schedules: all, Total: len(all)})
}

func (d Deps) getSchedule(w http.ResponseWriter, r *http.Request) {
	v, err := d.Service.GetSchedule(r.Context(), owner(r), r.PathValue("id"))
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, v)
}

func (d Deps) updateSchedule(w http.ResponseWriter, r *http.Request) {
	var spec jobs.ScheduleSpec
	if err := httpx.Decode(r, &spec); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	v, err := d.Service.UpdateSchedule(r.Context(), owner(r), r.PathValue("id"), spec)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, v)
}

func (d Deps) deleteSchedule(w http.ResponseWriter, r *http.Request) {
	if err := d.Service.DeleteSchedule(r.Context(), owner(r), r.PathValue("id")); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
