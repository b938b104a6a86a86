// Package plan tracks and assesses the provincial digital work plan: its sections, items,
// responsible units and quantified targets, progress reports and overdue warnings.
package plan
