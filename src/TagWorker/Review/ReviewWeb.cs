using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.Options;
using TagWorker.Hosting;
using TagWorker.Storage;

namespace TagWorker.Review;

/// <summary>
/// The review site (Razor Pages) and the JSON API in the worker's own web host. Everything needs the
/// token (a Bearer header for the API, a login cookie for the site) except <c>/healthz</c>.
/// </summary>
public static class ReviewWeb
{
    public const string CookieScheme = CookieAuthenticationDefaults.AuthenticationScheme;
    private const string Either = "token-or-cookie";

    public static WebApplicationBuilder AddReview(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSettings<AuthOptions>(AuthOptions.Section);
        services.AddSingleton(provider =>
            AccessToken.Resolve(
                provider.GetRequiredService<IOptions<AuthOptions>>().Value,
                provider.GetRequiredService<IOptions<StorageOptions>>().Value.Dir,
                provider.GetRequiredService<ILoggerFactory>().CreateLogger("TagWorker.Review.Auth")
            )
        );
        services.AddSingleton<ProfileCache>();
        services.AddSingleton<PeopleReads>();
        services.AddSingleton<PhotoReads>();
        services.AddSingleton<WriteBackReads>();
        services.AddSingleton<PhotoViews>();
        services.AddSingleton<AlbumActions>();
        services.AddSingleton<WriteBackActions>();
        services.AddSingleton<StatusEndpoints.Reader>();
        services.AddSingleton<ReviewActions>();
        services.AddSingleton<FailedAuthentications>();

        // Login cookies survive restarts: the keys live in the data folder (read when first needed, so every
        // configuration source, including a test host's, has been applied by then).
        services.AddDataProtection().SetApplicationName("TagWorker");
        services
            .AddOptions<KeyManagementOptions>()
            .Configure<IOptions<StorageOptions>, ILoggerFactory>(
                (o, storage, loggers) =>
                    o.XmlRepository = new FileSystemXmlRepository(
                        new DirectoryInfo(Path.Combine(storage.Value.Dir, "keys")),
                        loggers
                    )
            );

        var sessionDays = builder.Configuration.GetValue($"{AuthOptions.Section}:SessionDays", 30);
        services
            .AddAuthentication(Either)
            .AddPolicyScheme(Either, null, o =>
                o.ForwardDefaultSelector = context =>
                    context.Request.Headers.Authorization.Count > 0 ? BearerHandler.SchemeName : CookieScheme
            )
            .AddScheme<AuthenticationSchemeOptions, BearerHandler>(BearerHandler.SchemeName, null)
            .AddCookie(CookieScheme, o =>
            {
                o.Cookie.Name = "tagworker";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.ExpireTimeSpan = TimeSpan.FromDays(sessionDays);
                o.SlidingExpiration = true;
                o.LoginPath = "/login";
                o.LogoutPath = "/logout";
                o.AccessDeniedPath = "/login";
                // A login made with another token, or before "log out everywhere", is over.
                o.Events.OnValidatePrincipal = async context =>
                {
                    var stamp = context.HttpContext.RequestServices.GetRequiredService<AccessToken>().SessionStamp();
                    if (context.Principal?.FindFirst(AccessToken.SessionClaim)?.Value != stamp)
                    {
                        context.RejectPrincipal();
                        await context.HttpContext.SignOutAsync(CookieScheme);
                    }
                };
                o.Events.OnRedirectToLogin = context =>
                    IsApi(context.Request)
                        ? Problems.WriteAsync(
                            context.HttpContext,
                            StatusCodes.Status401Unauthorized,
                            "Unauthorized",
                            "Send Authorization: Bearer <token> (see the worker's log for where the token is)."
                        )
                        : Redirect(context);
            });
        services
            .AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder(Either).RequireAuthenticatedUser().Build());

        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "tagworker-af";
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.HeaderName = "RequestVerificationToken";
        });
        var attempts = builder.Configuration.GetValue($"{AuthOptions.Section}:LoginAttemptsPerMinute", 10);
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
                HttpMethods.IsPost(context.Request.Method)
                && context.Request.Path.Equals("/login", StringComparison.OrdinalIgnoreCase)
                    ? RateLimitPartition.GetFixedWindowLimiter(
                        context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                        _ => new FixedWindowRateLimiterOptions
                        {
                            PermitLimit = Math.Max(1, attempts),
                            Window = TimeSpan.FromMinutes(1),
                            QueueLimit = 0,
                        }
                    )
                    : RateLimitPartition.GetNoLimiter("")
            );
            o.OnRejected = (context, _) =>
                new ValueTask(
                    Problems.WriteAsync(
                        context.HttpContext,
                        StatusCodes.Status429TooManyRequests,
                        "Too many login attempts",
                        "Wait a minute and try again."
                    )
                );
        });
        services.AddProblemDetails();
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = Json.Options.PropertyNamingPolicy;
            o.SerializerOptions.DictionaryKeyPolicy = null;
        });
        services.AddOpenApi(o =>
            o.AddDocumentTransformer(
                (document, _, _) =>
                {
                    document.Info.Title = "TagWorker";
                    document.Info.Description =
                        "Everything the review site does. Authenticate with Authorization: Bearer <token>.";
                    return Task.CompletedTask;
                }
            )
        );
        services
            .AddRazorPages(o => o.RootDirectory = "/Review/Pages")
            .AddMvcOptions(o => o.Filters.Add(new Microsoft.AspNetCore.Mvc.AutoValidateAntiforgeryTokenAttribute()));
        return builder;
    }

    public static WebApplication MapReview(this WebApplication app)
    {
        // Resolve now: a generated token is created (and its place logged) at start, not at the first request.
        app.Services.GetRequiredService<AccessToken>();
        app.UseExceptionHandler(new ExceptionHandlerOptions { ExceptionHandler = Problems.WriteExceptionAsync });
        app.UseStatusCodePages(Problems.WriteStatusAsync);
        app.Use(SecurityHeaders);
        app.UseRateLimiter();
        app.Use(app.Services.GetRequiredService<FailedAuthentications>().InvokeAsync);
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
        app.Use(ApiAntiforgery);
        app.MapStatus();
        app.MapOpenApi();
        app.MapApi();
        app.MapAssets();
        app.MapRazorPages();
        return app;
    }

    public static bool IsApi(HttpRequest request) =>
        request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase)
        || request.Path.StartsWithSegments("/openapi", StringComparison.OrdinalIgnoreCase);

    private static Task Redirect(RedirectContext<CookieAuthenticationOptions> context)
    {
        context.Response.Redirect(context.RedirectUri);
        return Task.CompletedTask;
    }

    private static Task SecurityHeaders(HttpContext context, RequestDelegate next)
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy =
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        return next(context);
    }

    /// <summary>
    /// The API through the login cookie (the site's own scripts) must carry the antiforgery header, or a
    /// page elsewhere could make the browser act for the owner. Bearer requests are not ambient and need none.
    /// </summary>
    private static async Task ApiAntiforgery(HttpContext context, RequestDelegate next)
    {
        if (
            IsApi(context.Request)
            && !HttpMethods.IsGet(context.Request.Method)
            && !HttpMethods.IsHead(context.Request.Method)
            && context.User.Identity?.AuthenticationType == CookieScheme
        )
        {
            var antiforgery = context.RequestServices.GetRequiredService<IAntiforgery>();
            if (!await antiforgery.IsRequestValidAsync(context))
            {
                await Problems.WriteAsync(
                    context,
                    StatusCodes.Status400BadRequest,
                    "Antiforgery token missing",
                    "Requests through the login cookie need the RequestVerificationToken header."
                );
                return;
            }
        }
        await next(context);
    }
}
