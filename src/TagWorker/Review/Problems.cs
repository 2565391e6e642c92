using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace TagWorker.Review;

/// <summary>
/// Every error a client can meet, in its own language: RFC 7807 problem details for the API, and for a person
/// in a browser an HTML page in the site's style that says what happened and where to go.
/// </summary>
public static class Problems
{
    public static IResult From(ReviewException e) => Results.Problem(e.Message, statusCode: e.Status, title: e.Title);

    public static Task WriteAsync(HttpContext context, int status, string title, string detail)
    {
        context.Response.StatusCode = status;
        if (
            !ReviewWeb.IsApi(context.Request)
            && !context.Request.Path.StartsWithSegments("/healthz", StringComparison.Ordinal)
        )
        {
            return WriteHtmlAsync(context, title, detail);
        }
        context.Response.ContentType = "application/problem+json";
        var problem = new ProblemDetails
        {
            Status = status,
            Title = title,
            Detail = detail,
            Instance = context.Request.Path,
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(problem));
    }

    /// <summary>Bodies for bare status codes (a 404 from routing, a 400 from antiforgery, ...).</summary>
    public static Task WriteStatusAsync(StatusCodeContext context)
    {
        var status = context.HttpContext.Response.StatusCode;
        var (title, detail) = status switch
        {
            404 => (
                "Not found",
                "There is no such page, or what it showed has gone (a removed photo, a merged person)."
            ),
            400 => ("Something was not right with that request", "Go back, reload the page and try again."),
            401 or 403 => ("Please log in", "This page needs the token."),
            405 => ("Not allowed", "That address cannot be used this way."),
            429 => ("Too many attempts", "Wait a minute and try again."),
            _ => ("Something went wrong", "The worker's log says more."),
        };
        return WriteAsync(context.HttpContext, status, title, detail);
    }

    /// <summary>An unexpected error: logged by ASP.NET Core; the person sees a plain page, the API a problem.</summary>
    public static Task WriteExceptionAsync(HttpContext context) =>
        WriteAsync(
            context,
            StatusCodes.Status500InternalServerError,
            "Something went wrong",
            context.Features.Get<IExceptionHandlerFeature>() is null
                ? "The worker's log says more."
                : "The worker's log says what went wrong; nothing was half done."
        );

    private static Task WriteHtmlAsync(HttpContext context, string title, string detail)
    {
        context.Response.ContentType = "text/html; charset=utf-8";
        var html = HtmlEncoder.Default;
        return context.Response.WriteAsync(
            $"""
            <!DOCTYPE html>
            <html lang="en">
            <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{html.Encode(title)} · TagWorker</title><link rel="stylesheet" href="/assets/app.css"></head>
            <body><main><div class="login" role="alert">
            <h1>{html.Encode(title)}</h1>
            <p>{html.Encode(detail)}</p>
            <p><a href="/">Dashboard</a> · <a href="/login">Log in</a></p>
            </div></main></body>
            </html>
            """
        );
    }
}
