using System.Net;
using System.Net.Http.Headers;

namespace CaiEvents.IntegrationTests;

/// <summary>
/// <c>cai dashboard --allow-remote</c> needs the access token (Dashboard:AccessToken): a bearer header or the cookie its
/// printed login link sets; a request without it gets 401. Without --allow-remote (loopback only) nothing changes.
/// </summary>
[Collection(nameof(IntegrationCollection))]
public class DashboardAccessTests
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private const string Token = "Zq3cLr8TnWm2Xv5Pk9Ha4Jd7Fs1Gb6Ye";

    private static async Task<(CliProcess Dashboard, Uri Address)> StartAsync(IDictionary<string, string> env, params string[] extra)
    {
        var dashboard = CliProcess.Start(env, ["dashboard", "--urls", "http://127.0.0.1:0", .. extra]);
        await dashboard.WaitForOutputAsync("http://127.0.0.1:", StartTimeout);
        var address = dashboard.Stdout.Split('\n').Select(l => l.Trim()).First(l => l.StartsWith("http://127.0.0.1:", StringComparison.Ordinal));
        return (dashboard, new Uri(address));
    }

    [Fact]
    public async Task A_remote_dashboard_answers_401_without_the_token_and_serves_it_by_bearer_header_or_login_cookie()
    {
        await using var services = await TestServices.StartAsync();
        var env = services.ProcessEnvironment();
        env["Dashboard__AccessToken"] = Token;
        var (dashboard, address) = await StartAsync(env, "--allow-remote");
        using var _ = dashboard;
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = address };

        foreach (var path in new[] { "/", "/api/runs", "/app.js", "/api/no-such-endpoint" })
        {
            using var anonymous = await http.GetAsync(path);
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            Assert.Equal("Bearer", anonymous.Headers.WwwAuthenticate.Single().Scheme);
        }
        using (var wrong = new HttpRequestMessage(HttpMethod.Get, "/api/runs"))
        {
            wrong.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token[..^1] + "x");
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(wrong)).StatusCode);
        }
        // Let in, the request reaches the endpoints (queue depths and the page answer 200 on an empty schema).
        using (var bearer = new HttpRequestMessage(HttpMethod.Get, "/api/queues"))
        {
            bearer.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
            Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(bearer)).StatusCode);
        }

        // The login link: printed once at start, it sets an HttpOnly cookie and sends the browser to the page.
        var printed = dashboard.Stderr.Split('\n').Where(l => l.Contains("/login?token=", StringComparison.Ordinal)).ToList();
        Assert.Single(printed);
        Assert.Contains($"{address.GetLeftPart(UriPartial.Authority)}/login?token={Token}", printed[0], StringComparison.Ordinal);
        using (var badLogin = await http.GetAsync("/login?token=not-the-token"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, badLogin.StatusCode);
            Assert.False(badLogin.Headers.Contains("Set-Cookie"));
        }
        using var login = await http.GetAsync($"/login?token={Token}");
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        Assert.Equal("/", login.Headers.Location?.OriginalString);
        var setCookie = login.Headers.GetValues("Set-Cookie").Single();
        Assert.Contains("httponly", setCookie, StringComparison.OrdinalIgnoreCase);
        var cookie = setCookie.Split(';')[0];
        using (var withCookie = new HttpRequestMessage(HttpMethod.Get, "/api/queues"))
        {
            withCookie.Headers.Add("Cookie", cookie);
            Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(withCookie)).StatusCode);
        }
        using (var page = new HttpRequestMessage(HttpMethod.Get, "/"))
        {
            page.Headers.Add("Cookie", cookie);
            Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(page)).StatusCode);
        }
        // The token never reaches stdout, which holds only the bound addresses.
        Assert.DoesNotContain(Token, dashboard.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_loopback_dashboard_needs_no_token()
    {
        await using var services = await TestServices.StartAsync();
        var env = services.ProcessEnvironment();
        env["Dashboard__AccessToken"] = Token;
        var (dashboard, address) = await StartAsync(env);
        using var _ = dashboard;
        using var http = new HttpClient { BaseAddress = address };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/api/queues")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/")).StatusCode);
        Assert.DoesNotContain("/login?token=", dashboard.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Allow_remote_without_a_configured_token_refuses_to_start_with_one_line()
    {
        await using var services = await TestServices.StartAsync();
        var env = services.ProcessEnvironment();
        env["Dashboard__AccessToken"] = "";
        var (exit, stdout, stderr) = await CliProcess.RunAsync(env, TimeSpan.FromSeconds(90), "dashboard", "--urls", "http://0.0.0.0:0", "--allow-remote");
        Assert.Equal(2, exit);
        Assert.Equal("", stdout.Trim());
        Assert.Contains("--allow-remote needs an access token: set Dashboard__AccessToken", stderr, StringComparison.Ordinal);
    }
}
