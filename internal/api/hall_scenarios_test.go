package api_test

// The service hall's routes in the main table: each module's refusals and reads that need no
// case, order or rating of their own. The modules' longer scenarios (a catalogue entry through
// review, an application's whole life, ratings and rectification) run on platforms of their own
// in their files; TestScenariosCoverEveryRoute counts those too.
func init() {
	scenarios = append(scenarios, caseMainScenarios...)
	scenarios = append(scenarios, ratingMainScenarios...)
	scenarios = append(scenarios, paymentScenarios...)
	scenarios = append(scenarios, inboxScenarios...)
}

// ownPlatformScenarios are the scenario tables that run on platforms of their own.
func ownPlatformScenarios() [][]scenario {
	return [][]scenario{catalogScenarios, caseScenarios, ratingScenarios, inboxMessageScenarios, licenseWorkScenarios,
		federationScenarios, nodeCallScenarios}
}
