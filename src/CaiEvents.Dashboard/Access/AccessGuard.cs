using Microsoft.AspNetCore.Http;

namespace CaiEvents.Dashboard.Access;

/// <summary>
/// The remote dashboard's door: every request needs the access token, as <c>Authorization: Bearer &lt;token&gt;</c> or
/// as the cookie that <c>/login?token=&lt;token&gt;</c> sets (HttpOnly, so the page's script never sees it) before it
/// redirects to the page. Anything else gets 401.
/// </summary>
public sealed class AccessGuard(AccessToken token)
{
    public const string LoginPath = "/login";
    public const string CookieName = "cai_dashboard_token";

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var request = context.Request;
        if (request.Path.Equals(LoginPath, StringComparison.Ordinal))
        {
            await LoginAsync(context);
            return;
        }
        if (token.Matches(BearerToken(request)) || token.Matches(request.Cookies[CookieName]))
        {
            await next(context);
            return;
        }
        await RefuseAsync(context, "this dashboard needs its access token: open the login link it printed at start, "
                                   + "or send Authorization: Bearer <token>");
    }

    private async Task LoginAsync(HttpContext context)
    {
        // The token in a URL ends up in history; the redirect at least takes it out of the address bar and referrers.
        context.Response.Headers["Referrer-Policy"] = "no-referrer";
        if (!token.Matches(context.Request.Query["token"].FirstOrDefault()))
        {
            await RefuseAsync(context, "wrong or missing token in the login link");
            return;
        }
        context.Response.Cookies.Append(CookieName, token.Value, new CookieOptions
        {
            HttpOnly = true,
            Secure = context.Request.IsHttps,
            // Lax, not Strict: a login link opened from another site must still carry the cookie after the redirect.
            SameSite = SameSiteMode.Lax,
            Path = "/",
        });
        context.Response.Redirect("/");
    }

    private static string? BearerToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.FirstOrDefault();
        const string scheme = "Bearer ";
        return header is not null && header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) ? header[scheme.Length..].Trim() : null;
    }

    private static async Task RefuseAsync(HttpContext context, string error)
    {
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers.WWWAuthenticate = "Bearer";
        context.Response.Headers.XContentTypeOptions = "nosniff";
        await context.Response.WriteAsJsonAsync(new { error });
    }
}
