using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing.Patterns;

namespace TagWorker.Review;

/// <summary>
/// The errors every API endpoint can answer with, in its OpenAPI description: a client generated from
/// /openapi/v1.json learns them from the document, not from trying. The statuses are those of
/// <see cref="ReviewException"/> (the API's only error path, turned into RFC 7807 problem details) and of the
/// token check: 401 anywhere, 400 for a bad page or body, 404 where the route names something by id, 409 where a
/// change can meet another (a name taken, a decision others depend on, a write already under way).
/// </summary>
public static class ApiProblems
{
    public static TBuilder DescribeProblems<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
    {
        builder.Add(endpoint =>
        {
            var changes = endpoint
                .Metadata.OfType<IHttpMethodMetadata>()
                .Any(m => m.HttpMethods.Any(method => method != HttpMethods.Get && method != HttpMethods.Head));
            var byId = endpoint is RouteEndpointBuilder route && route.RoutePattern.Parameters.Any(NamesSomething);
            endpoint.Metadata.Add(new Problem(StatusCodes.Status400BadRequest, "The request is not valid"));
            endpoint.Metadata.Add(new Problem(StatusCodes.Status401Unauthorized, "No token, or a wrong one"));
            if (byId)
            {
                endpoint.Metadata.Add(new Problem(StatusCodes.Status404NotFound, "Nothing with that id"));
            }
            if (changes)
            {
                endpoint.Metadata.Add(new Problem(StatusCodes.Status409Conflict, "The change meets another"));
            }
        });
        return builder;
    }

    private static bool NamesSomething(RoutePatternParameterPart parameter) =>
        parameter.Name.Equals("id", StringComparison.OrdinalIgnoreCase)
        || parameter.Name.EndsWith("Id", StringComparison.Ordinal);

    private sealed class Problem(int status, string description) : IProducesResponseTypeMetadata
    {
        public int StatusCode { get; } = status;
        public Type? Type { get; } = typeof(ProblemDetails);
        public string? Description { get; } = description;
        public IEnumerable<string> ContentTypes { get; } = ["application/problem+json"];
    }
}
