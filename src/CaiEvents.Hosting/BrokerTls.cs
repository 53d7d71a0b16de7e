using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MassTransit;
using RabbitMQ.Client;

namespace CaiEvents.Hosting;

/// <summary>
/// TLS of the AMQP connection, bound from "RabbitMq:Tls" (e.g. <c>RabbitMq__Tls__Enabled=true</c>). With a
/// <see cref="CaCertificate"/> the broker's chain must end at that CA (a private CA need not be in the system store);
/// without one it must end at a root the system trusts. The host name is always checked.
/// </summary>
public sealed record RabbitMqTlsOptions
{
    public bool Enabled { get; init; }
    /// <summary>The name the broker's certificate must carry; empty: <see cref="RabbitMqOptions.Host"/>.</summary>
    public string ServerName { get; init; } = "";
    /// <summary>PEM file with the CA certificate(s) that signed the broker's certificate; empty: the system's roots.</summary>
    public string CaCertificate { get; init; } = "";
    /// <summary>Optional client certificate: a PEM file (with <see cref="ClientKey"/>) or PKCS#12 (.p12/.pfx).</summary>
    public string ClientCertificate { get; init; } = "";
    /// <summary>PEM private key of a PEM <see cref="ClientCertificate"/>.</summary>
    public string ClientKey { get; init; } = "";
    /// <summary>Password of a PKCS#12 <see cref="ClientCertificate"/>, if it has one.</summary>
    public string ClientCertificatePassword { get; init; } = "";
}

/// <summary>
/// Turns <see cref="RabbitMqTlsOptions"/> into what MassTransit's host (<see cref="IRabbitMqSslConfigurator"/>) and
/// RabbitMQ.Client (<see cref="SslOption"/>, for the readiness check) take, with one certificate check for both.
/// </summary>
public static class BrokerTls
{
    /// <summary>TLS 1.2 or 1.3, whichever both ends speak.</summary>
    private const SslProtocols Protocols = SslProtocols.Tls12 | SslProtocols.Tls13;

    public static void Apply(IRabbitMqSslConfigurator ssl, RabbitMqOptions options)
    {
        var tls = options.Tls;
        var roots = TrustedRoots(tls);
        ssl.Protocol = Protocols;
        // MassTransit takes one name for every node of a cluster: the first node's, unless ServerName says otherwise.
        ssl.ServerName = ServerName(options, options.Endpoints()[0].Host);
        ssl.CertificateValidationCallback = (_, certificate, chain, errors) => IsTrusted(certificate, chain, errors, roots);
        if (ClientCertificate(tls) is { } client) ssl.Certificate = client;
    }

    /// <summary>
    /// Every configured node as a RabbitMQ.Client endpoint, with TLS when it is enabled: for the connections opened outside
    /// MassTransit (the readiness check, the command-queue declarations), so they speak to the broker as the bus does.
    /// </summary>
    public static List<AmqpTcpEndpoint> AmqpEndpoints(RabbitMqOptions options) =>
        options.Endpoints().Select(e => new AmqpTcpEndpoint(e.Host, e.Port, options.Tls.Enabled ? SslOption(options, e.Host) : new SslOption())).ToList();

    /// <summary>RabbitMQ.Client's TLS settings for a connection to <paramref name="host"/> (one node of the list).</summary>
    public static SslOption SslOption(RabbitMqOptions options, string host)
    {
        var tls = options.Tls;
        var roots = TrustedRoots(tls);
        var ssl = new SslOption(ServerName(options, host), enabled: true)
        {
            Version = Protocols,
            CertificateValidationCallback = (_, certificate, chain, errors) => IsTrusted(certificate, chain, errors, roots),
        };
        if (ClientCertificate(tls) is { } client) ssl.Certs = new X509CertificateCollection { client };
        return ssl;
    }

    /// <summary>The name the certificate of <paramref name="host"/> must carry: RabbitMq:Tls:ServerName, else the host itself.</summary>
    public static string ServerName(RabbitMqOptions options, string host) =>
        string.IsNullOrWhiteSpace(options.Tls.ServerName) ? host : options.Tls.ServerName;

    /// <summary>
    /// Whether the broker's certificate is acceptable. A missing certificate or a name mismatch never is; chain errors
    /// are re-judged against <paramref name="roots"/> when given (custom root trust), otherwise they stand.
    /// </summary>
    public static bool IsTrusted(X509Certificate? certificate, X509Chain? presented, SslPolicyErrors errors, X509Certificate2Collection? roots)
    {
        if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None) return false;
        if (roots is null) return errors == SslPolicyErrors.None;
        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        // A private CA publishes no revocation list; expiry, signatures and usage are still checked.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (presented is not null)
            foreach (var element in presented.ChainElements) chain.ChainPolicy.ExtraStore.Add(element.Certificate);
        return chain.Build(leaf);
    }

    /// <summary>The CA certificates of <see cref="RabbitMqTlsOptions.CaCertificate"/>; null when none is configured.</summary>
    public static X509Certificate2Collection? TrustedRoots(RabbitMqTlsOptions tls)
    {
        if (string.IsNullOrWhiteSpace(tls.CaCertificate)) return null;
        RequireFile(tls.CaCertificate, "RabbitMq:Tls:CaCertificate");
        var roots = new X509Certificate2Collection();
        try { roots.ImportFromPemFile(tls.CaCertificate); }
        catch (CryptographicException e) { throw Unreadable("RabbitMq:Tls:CaCertificate", tls.CaCertificate, e); }
        if (roots.Count == 0)
            throw new ConfigurationInvalidException($"RabbitMq:Tls:CaCertificate: {tls.CaCertificate} holds no PEM certificate");
        return roots;
    }

    /// <summary>The client certificate with its private key; null when none is configured.</summary>
    public static X509Certificate2? ClientCertificate(RabbitMqTlsOptions tls)
    {
        if (string.IsNullOrWhiteSpace(tls.ClientCertificate)) return null;
        RequireFile(tls.ClientCertificate, "RabbitMq:Tls:ClientCertificate");
        try
        {
            if (!string.IsNullOrWhiteSpace(tls.ClientKey))
            {
                RequireFile(tls.ClientKey, "RabbitMq:Tls:ClientKey");
                return X509Certificate2.CreateFromPemFile(tls.ClientCertificate, tls.ClientKey);
            }
            return X509CertificateLoader.LoadPkcs12FromFile(tls.ClientCertificate,
                string.IsNullOrEmpty(tls.ClientCertificatePassword) ? null : tls.ClientCertificatePassword);
        }
        catch (CryptographicException e) { throw Unreadable("RabbitMq:Tls:ClientCertificate", tls.ClientCertificate, e); }
    }

    private static void RequireFile(string path, string setting)
    {
        if (!File.Exists(path)) throw new ConfigurationInvalidException($"{setting}: file {path} does not exist");
    }

    private static ConfigurationInvalidException Unreadable(string setting, string path, CryptographicException e) =>
        new($"{setting}: {path} could not be read as a certificate ({e.Message.Split('\n')[0].Trim()})");
}
