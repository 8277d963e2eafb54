package web

// RestAfterTitle is exported for tests.
var RestAfterTitle = restAfterTitle

// PrettyURL is exported for tests.
var PrettyURL = prettyURL
