using KeycardSentry.SpecImport;

// specs/KeycardSentry.SpecImport: the one way specs/sentry.openapi.json and specs/sentry.scopes.json are made.
//   import [--source ../shared/sentry/openapi.json] [--hierarchy ../shared/sentry/scope-hierarchy.json]
//          [--spec specs/sentry.openapi.json] [--catalog specs/sentry.scopes.json] [--fresh] [--check]
//   diff <old published openapi.json> <new published openapi.json>
// Paths are relative to the current folder; run it from the repository root.
return Cli.Run(args, Console.Out, Console.Error);
