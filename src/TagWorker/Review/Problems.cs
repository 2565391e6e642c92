using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace TagWorker.Review;

/// <summary>RFC 7807 problem details, the one error shape of the API.</summary>
public static class Problems
{
    public static IResult From(ReviewException e) => Results.Problem(e.Message, statusCode: e.Status, title: e.Title);

    public static Task WriteAsync(HttpContext context, int status, string title, string detail)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/problem+json";
        var problem = new ProblemDetails { Status = status, Title = title, Detail = detail, Instance = context.Request.Path };
        return context.Response.WriteAsync(JsonSerializer.Serialize(problem));
    }
}
