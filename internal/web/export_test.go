package web

// RestAfterTitle is exported for tests.
var RestAfterTitle = restAfterTitle
