using System.Text.Json.Serialization;
using CaiEvents.Dashboard.Access;
using CaiEvents.Dashboard.Jobs;
using CaiEvents.Dashboard.Labels;
using CaiEvents.Dashboard.Rates;
using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace CaiEvents.Dashboard;

/// <summary>
/// Composes the dashboard: a read-only store (no schema changes, read-only PostgreSQL transactions), the queue-depth
/// reader, the access token's guard when one is set (remote dashboards), a guard that answers 405 to anything but
/// GET/HEAD, the JSON endpoints and the embedded page.
/// </summary>
public static class DashboardApp
{
    public static WebApplication Build(DashboardOptions options)
    {
        var builder = WebApplication.CreateSlimBuilder(
            new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, EnvironmentName = "Production" });
        builder.WebHost.UseUrls([.. options.Urls]);
        // https:// URLs take their certificate from Kestrel's configuration (Kestrel__Certificates__Default__Path and
        // __KeyPath); the slim builder leaves that out unless asked.
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Logging.AddFilter<Microsoft.Extensions.Logging.Console.ConsoleLoggerProvider>(null, LogLevel.Warning);
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<IDocumentStore>(_ => EventStore.EventStoreSetup.CreateReadOnlyStore(options.EventStore));
        builder.Services.AddSingleton(_ => new QueueDepths(options.Queues));
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(_ => new EventSql(options.EventStore));
        builder.Services.AddSingleton<ThroughputQueries>();
        builder.Services.AddSingleton<DashboardQueries>();
        builder.Services.AddSingleton<JobQueries>();
        builder.Services.AddSingleton<LabelQueries>();
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter());
            o.SerializerOptions.Converters.Add(new JsSafeIntegers());
        });

        var app = builder.Build();
        if (options.AccessToken is { } token) app.Use(new AccessGuard(token).InvokeAsync);
        app.Use(ReadOnlyGuard);
        app.Use(ApiErrors);
        MapPage(app);
        var api = app.MapGroup("/api");
        api.MapGet("/runs", (DashboardQueries q, CancellationToken ct) => q.RunsAsync(ct));
        api.MapGet("/runs/{id:guid}", async (Guid id, int? offset, int? limit, DashboardQueries q, CancellationToken ct) =>
            await q.RunAsync(id, ct, offset ?? 0, limit ?? DashboardQueries.ItemsPerPage) is { } run ? Results.Ok(run) : NotFound($"run {id} does not exist"));
        api.MapGet("/streams/{id:guid}", async (Guid id, DashboardQueries q, CancellationToken ct) =>
            await q.TimelineAsync(id, ct) is { } timeline ? Results.Ok(timeline) : NotFound($"stream {id} does not exist"));
        api.MapGet("/labels/{id:guid}", async (Guid id, DashboardQueries q, CancellationToken ct) =>
            await q.LabelAsync(id, ct) is { } label ? Results.Ok(label) : NotFound($"label {id} does not exist"));
        api.MapGet("/runs/{id:guid}/throughput", async (Guid id, DashboardQueries q, CancellationToken ct) =>
            await q.ThroughputChartAsync(id, ct) is { } chart ? Results.Ok(chart) : NotFound($"run {id} does not exist"));
        api.MapGet("/runs/{id:guid}/labels", async (Guid id, LabelQueries q, CancellationToken ct) =>
            await q.AnalysisAsync(id, ct) is { } labels ? Results.Ok(labels) : NotFound($"run {id} does not exist"));
        api.MapGet("/runs/{id:guid}/labels/charts/{chart}", async (Guid id, string chart, LabelQueries q, CancellationToken ct) =>
            await q.ChartAsync(id, chart, ct) is { } found ? Results.Ok(found) : NotFound($"run {id} has no chart {chart}"));
        api.MapGet("/jobs", (JobQueries q, CancellationToken ct) => q.JobsAsync(ct));
        api.MapGet("/jobs/{id:guid}", async (Guid id, JobQueries q, CancellationToken ct) =>
            await q.JobAsync(id, ct) is { } job ? Results.Ok(job) : NotFound($"job {id} does not exist"));
        api.MapGet("/jobs/{id:guid}/charts/{chart}", async (Guid id, string chart, JobQueries q, CancellationToken ct) =>
            await q.ChartAsync(id, chart, ct) is { } found ? Results.Ok(found) : NotFound($"job {id} has no chart {chart}"));
        api.MapGet("/queues", (QueueDepths queues, CancellationToken ct) => queues.ReadAsync(ct));
        api.MapFallback(() => NotFound("no such endpoint"));
        return app;
    }

    private static IResult NotFound(string error) => Results.Json(new { error }, statusCode: StatusCodes.Status404NotFound);

    /// <summary>The dashboard only reads: every other method is refused before routing.</summary>
    private static async Task ReadOnlyGuard(HttpContext context, RequestDelegate next)
    {
        context.Response.Headers.XContentTypeOptions = "nosniff";
        context.Response.Headers.ContentSecurityPolicy = "default-src 'self'; frame-ancestors 'none'";
        if (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method))
        {
            await next(context);
            return;
        }
        context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
        context.Response.Headers.Allow = "GET, HEAD";
        await context.Response.WriteAsJsonAsync(new { error = $"the dashboard is read-only: {context.Request.Method} is not served" });
    }

    /// <summary>A failed query is one JSON line for the page to show, not a stack trace.</summary>
    private static async Task ApiErrors(HttpContext context, RequestDelegate next)
    {
        try
        {
            await next(context);
        }
        // Marten wraps the database's error (MartenCommandException): look for it down the chain.
        catch (Exception e) when (!context.Response.HasStarted
                                  && PostgresError(e) is { SqlState: PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.InvalidSchemaName } missing)
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            await context.Response.WriteAsJsonAsync(
                new { error = $"the event store has no tables in this schema yet (nothing has been submitted): {missing.MessageText}" });
        }
        catch (Exception e) when (!context.Response.HasStarted && e is NpgsqlException or TimeoutException)
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            await context.Response.WriteAsJsonAsync(new { error = $"event store unavailable: {e.Message.Split('\n')[0]}" });
        }
    }

    private static PostgresException? PostgresError(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
            if (e is PostgresException postgres) return postgres;
        return null;
    }

    private static void MapPage(WebApplication app)
    {
        foreach (var (path, resource, type) in new[]
                 {
                     ("/", "index.html", "text/html; charset=utf-8"),
                     ("/app.js", "app.js", "text/javascript; charset=utf-8"),
                     ("/charts.js", "charts.js", "text/javascript; charset=utf-8"),
                     ("/app.css", "app.css", "text/css; charset=utf-8"),
                 })
        {
            var bytes = ReadResource(resource);
            app.MapGet(path, () => Results.Bytes(bytes, type));
        }
    }

    private static byte[] ReadResource(string name)
    {
        using var stream = typeof(DashboardApp).Assembly.GetManifestResourceStream($"dashboard/{name}")
                           ?? throw new InvalidOperationException($"embedded dashboard file {name} is missing");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
