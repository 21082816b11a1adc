using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("KeycardSentry.Generator.Tests")]
