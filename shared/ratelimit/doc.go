// Package ratelimit decides whether a caller may spend what a request
// costs: requests, URLs, render seconds and LLM tokens, each metered by
// its own GCRA (generic cell rate algorithm) cell per caller and route
// group, with the quotas of the caller's plan.
//
// GCRA keeps one number per cell, its theoretical arrival time (TAT): the
// time at which the cell would be empty again if nothing more were spent.
// Spending n units moves it n emission intervals (a minute divided by the
// quota) into the future; a spend is refused when it would move the TAT
// further ahead of now than the burst allows. A cost known only after the
// work (render seconds, tokens) is charged unconditionally: the TAT may
// then run past the burst, which is a debt that refuses the caller's next
// requests until time has repaid it.
//
// The engine is pure: the TATs live behind the Store port (Redis across
// instances, shared/store; Local in process as the fallback while the
// shared store is unreachable, with the same arithmetic).
package ratelimit
