namespace CaiEvents.Dashboard.Access;

/// <summary>The link that logs a browser in, for an address the dashboard is bound to.</summary>
public static class LoginLink
{
    /// <summary>
    /// <paramref name="boundAddress"/> with <c>/login?token=…</c>; a wildcard host (0.0.0.0, [::], *, +), which no
    /// browser can open, becomes <paramref name="machineName"/>.
    /// </summary>
    public static string For(string boundAddress, string machineName, AccessToken token)
    {
        var uri = new UriBuilder(boundAddress.Replace("://*", "://0.0.0.0").Replace("://+", "://0.0.0.0"));
        if (uri.Host is "0.0.0.0" or "[::]" or "::") uri.Host = machineName;
        uri.Path = AccessGuard.LoginPath;
        uri.Query = "token=" + Uri.EscapeDataString(token.Value);
        return uri.Uri.AbsoluteUri;
    }
}
