using KeycardSentry.Testing;

namespace KeycardSentry.Generator.Tests.Infrastructure;

/// <summary>Small specs and catalogs written for the tests.</summary>
internal static class TestSpecs
{
    public const string Catalog = """
        {
          "resource": "https://example.test/api/0",
          "defaultGrant": ["event:read", "project:read", "org:read"],
          "regions": { "us": "https://us.example.test" },
          "scopes": {
            "org:read": { "implies": ["org:read"] },
            "org:write": { "implies": ["org:read", "org:write"] },
            "org:admin": { "implies": ["org:admin", "org:integrations", "org:read", "org:write"] },
            "org:integrations": { "implies": ["org:integrations"] },
            "org:ci": { "implies": ["org:ci"] },
            "project:read": { "implies": ["project:read"] },
            "project:write": { "implies": ["project:read", "project:write"] },
            "project:admin": { "implies": ["project:admin", "project:read", "project:write"] },
            "project:releases": { "implies": ["project:releases"] },
            "event:read": { "implies": ["event:read"] },
            "event:write": { "implies": ["event:read", "event:write"] },
            "event:admin": { "implies": ["event:admin", "event:read", "event:write"] },
            "team:read": { "implies": ["team:read"] }
          }
        }
        """;

    /// <summary>A spec with one operation per interesting shape; <paramref name="extraOperations"/> is spliced into the paths object.</summary>
    public static string Spec(string extraPaths = "") => $$"""
        {
          "openapi": "3.0.3",
          "info": { "title": "Test", "version": "1" },
          "paths": {
            "/api/0/organizations/{organization_id_or_slug}/": {
              "get": {
                "operationId": "retrieveAnOrganization",
                "summary": "Retrieve an Organization",
                "tags": ["Organizations"],
                "parameters": [
                  { "in": "path", "name": "organization_id_or_slug", "required": true, "schema": { "type": "string" }, "description": "The org." },
                  { "in": "query", "name": "detailed", "schema": { "type": "boolean" } }
                ],
                "security": [ { "auth_token": ["org:admin", "org:read", "org:write"] } ],
                "responses": { "200": { "description": "ok", "content": { "application/json": { "schema": {
                  "type": "object",
                  "required": ["id", "slug", "isGlobal"],
                  "properties": {
                    "id": { "type": "string" },
                    "slug": { "type": "string" },
                    "dateCreated": { "type": "string", "format": "date-time" },
                    "isGlobal": { "type": "boolean" },
                    "is_global": { "type": "boolean", "nullable": true },
                    "hidden-secret": { "type": "string" },
                    "sso:linked": { "type": "boolean" },
                    "event.type": { "type": "string" },
                    "$version": { "type": "integer" },
                    "24h": { "type": "number" },
                    "ref": { "type": "string" },
                    "public": { "type": "boolean" },
                    "class": { "type": "string" },
                    "operator": { "type": "string" },
                    "anything": {},
                    "either": { "anyOf": [ { "type": "string" }, { "type": "integer" } ] },
                    "options": { "type": "object", "additionalProperties": { "type": "integer" } },
                    "owner": { "type": "object", "nullable": true, "properties": { "name": { "type": "string" }, "email": { "type": "string" } } }
                  }
                } } } } }
              },
              "put": {
                "operationId": "updateAnOrganization",
                "tags": ["Organizations"],
                "parameters": [ { "in": "path", "name": "organization_id_or_slug", "required": true, "schema": { "type": "string" } } ],
                "requestBody": { "required": true, "content": { "application/json": { "schema": {
                  "type": "object", "properties": { "name": { "type": "string" }, "event": { "type": "string" } }
                } } } },
                "security": [ { "auth_token": ["org:write", "org:admin"] } ],
                "responses": { "200": { "description": "ok" } }
              }
            },
            "/api/0/projects/{organization_id_or_slug}/{project_id_or_slug}/issues/": {
              "get": {
                "operationId": "List a Project's Issues",
                "tags": ["Spike Protection"],
                "parameters": [
                  { "in": "path", "name": "organization_id_or_slug", "required": true, "schema": { "type": "string" } },
                  { "in": "path", "name": "project_id_or_slug", "required": true, "schema": { "type": "string" } },
                  { "in": "query", "name": "statsPeriod", "schema": { "type": "string" } },
                  { "in": "query", "name": "project", "schema": { "type": "array", "items": { "type": "integer" } } },
                  { "in": "query", "name": "cursor", "schema": { "type": "string" } }
                ],
                "security": [ { "auth_token": ["event:read", "event:write", "event:admin"] } ],
                "responses": { "200": { "description": "ok", "content": { "application/json": { "schema": {
                  "type": "array", "items": { "type": "object", "properties": { "id": { "type": "string" }, "title": { "type": "string" } } }
                } } } } }
              }
            },
            "/api/0/releases/{version}/files/": {
              "post": {
                "operationId": "uploadAFile",
                "parameters": [ { "in": "path", "name": "version", "required": true, "schema": { "type": "string" } } ],
                "requestBody": { "content": { "multipart/form-data": { "schema": { "type": "object", "properties": { "file": { "type": "string", "format": "binary" } } } } } },
                "security": [ { "auth_token": ["project:releases"] }, { "dsn": [] } ],
                "responses": { "201": { "description": "created" } }
              }
            },
            "/api/0/public/ping/": {
              "get": {
                "operationId": "ping",
                "tags": ["Public"],
                "responses": { "204": { "description": "pong" } }
              }
            }{{extraPaths}}
          }
        }
        """;

    public static SpecFiles Files(string? spec = null, string? catalog = null) => new(spec ?? Spec(), catalog ?? Catalog);

    /// <summary>The project's own spec and catalog (specs/), with the settings runtime/KeycardSentry.Sentry uses.</summary>
    public static SpecFiles RepositoryFiles()
    {
        var specs = Path.Combine(SharedFiles.RepositoryRoot, "specs");
        return new SpecFiles(
            File.ReadAllText(Path.Combine(specs, "sentry.openapi.json")),
            File.ReadAllText(Path.Combine(specs, "sentry.scopes.json")),
            "KeycardSentry.Sentry",
            "Sentry",
            "/specs/sentry.openapi.json",
            "/specs/sentry.scopes.json");
    }
}
