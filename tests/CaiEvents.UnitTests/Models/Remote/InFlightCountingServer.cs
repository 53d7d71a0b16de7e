using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CaiEvents.UnitTests.Models.Remote;

/// <summary>
/// A loopback server with <c>POST /v1/completions</c> only (no chat, no models list) that holds every request for <see cref="Hold"/> and counts how many are in flight at once
/// (<see cref="MaxInFlight"/>), or answers every request with 503 and <c>Retry-After</c> when <see cref="AlwaysUnavailable"/> is set.
/// </summary>
internal sealed class InFlightCountingServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _inFlight;
    private int _maxInFlight;
    private int _requests;

    private InFlightCountingServer(WebApplication app, string baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    public string BaseUrl { get; }

    public TimeSpan Hold { get; set; } = TimeSpan.FromMilliseconds(150);

    public bool AlwaysUnavailable { get; set; }

    public int MaxInFlight => Volatile.Read(ref _maxInFlight);

    public int Requests => Volatile.Read(ref _requests);

    /// <summary><c>openai:{base}#{name}</c>, with <c>?api=completions</c> unless <paramref name="probe"/> (the API is left to the probe).</summary>
    public string ModelId(string name, bool probe = false) => $"openai:{BaseUrl}#{name}{(probe ? "" : "?api=completions")}";

    public static async Task<InFlightCountingServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        InFlightCountingServer? server = null;
        app.MapPost("/v1/completions", (HttpContext context) => server!.HandleAsync(context));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server = new InFlightCountingServer(app, new Uri(address).GetLeftPart(UriPartial.Authority) + "/v1");
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        Interlocked.Increment(ref _requests);
        context.Response.ContentType = "application/json";
        if (AlwaysUnavailable)
        {
            context.Response.StatusCode = 503;
            context.Response.Headers.RetryAfter = "1";
            await context.Response.WriteAsync("""{"error":{"message":"overloaded"}}""");
            return;
        }
        var now = Interlocked.Increment(ref _inFlight);
        int seen;
        while (now > (seen = Volatile.Read(ref _maxInFlight)) && Interlocked.CompareExchange(ref _maxInFlight, now, seen) != seen)
        {
            // another request raised the maximum meanwhile: read it again
        }
        try
        {
            await Task.Delay(Hold, context.RequestAborted);
            await context.Response.WriteAsync(
                """{"id":"c","object":"text_completion","created":0,"model":"m","choices":[{"index":0,"text":" ok","finish_reason":"length"}]}""");
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }
}
