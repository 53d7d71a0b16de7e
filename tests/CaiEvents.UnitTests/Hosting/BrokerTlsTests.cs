using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CaiEvents.Hosting;

namespace CaiEvents.UnitTests.Hosting;

/// <summary>The broker certificate check, with a CA and server certificates made here (CertificateRequest).</summary>
public sealed class BrokerTlsTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("cai-tls-");

    private static X509Certificate2 Ca(string name)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
    }

    private static X509Certificate2 Server(X509Certificate2 ca, string dnsName)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={dnsName}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(dnsName);
        request.CertificateExtensions.Add(san.Build());
        return request.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(10), [1, 2, 3, 4]);
    }

    private string WritePem(string name, params X509Certificate2[] certificates)
    {
        var path = Path.Combine(_dir.FullName, name);
        File.WriteAllText(path, string.Concat(certificates.Select(c => c.ExportCertificatePem() + "\n")));
        return path;
    }

    [Fact]
    public void A_certificate_signed_by_the_configured_CA_is_trusted_despite_the_system_store_not_knowing_it()
    {
        using var ca = Ca("test CA");
        using var server = Server(ca, "broker.test");
        var roots = BrokerTls.TrustedRoots(new RabbitMqTlsOptions { Enabled = true, CaCertificate = WritePem("ca.crt", ca) });
        Assert.True(BrokerTls.IsTrusted(server, null, SslPolicyErrors.RemoteCertificateChainErrors, roots));
    }

    [Fact]
    public void A_certificate_from_another_CA_is_refused()
    {
        using var ca = Ca("test CA");
        using var other = Ca("other CA");
        using var server = Server(other, "broker.test");
        var roots = BrokerTls.TrustedRoots(new RabbitMqTlsOptions { Enabled = true, CaCertificate = WritePem("ca.crt", ca) });
        Assert.False(BrokerTls.IsTrusted(server, null, SslPolicyErrors.RemoteCertificateChainErrors, roots));
    }

    [Fact]
    public void A_name_mismatch_or_a_missing_certificate_is_never_forgiven()
    {
        using var ca = Ca("test CA");
        using var server = Server(ca, "broker.test");
        var roots = BrokerTls.TrustedRoots(new RabbitMqTlsOptions { Enabled = true, CaCertificate = WritePem("ca.crt", ca) });
        Assert.False(BrokerTls.IsTrusted(server, null, SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateChainErrors, roots));
        Assert.False(BrokerTls.IsTrusted(null, null, SslPolicyErrors.RemoteCertificateNotAvailable, roots));
    }

    [Fact]
    public void Without_a_CA_file_the_system_verdict_stands()
    {
        using var ca = Ca("test CA");
        using var server = Server(ca, "broker.test");
        Assert.False(BrokerTls.IsTrusted(server, null, SslPolicyErrors.RemoteCertificateChainErrors, null));
        Assert.True(BrokerTls.IsTrusted(server, null, SslPolicyErrors.None, null));
    }

    [Fact]
    public void A_missing_or_unreadable_CA_file_is_one_line_naming_the_setting_and_the_file()
    {
        var missing = Path.Combine(_dir.FullName, "nope.crt");
        var e = Assert.Throws<ConfigurationInvalidException>(() =>
            BrokerTls.TrustedRoots(new RabbitMqTlsOptions { Enabled = true, CaCertificate = missing }));
        Assert.Equal($"RabbitMq:Tls:CaCertificate: file {missing} does not exist", e.Message);

        var garbage = Path.Combine(_dir.FullName, "garbage.crt");
        File.WriteAllText(garbage, "not a certificate");
        e = Assert.Throws<ConfigurationInvalidException>(() =>
            BrokerTls.TrustedRoots(new RabbitMqTlsOptions { Enabled = true, CaCertificate = garbage }));
        Assert.StartsWith($"RabbitMq:Tls:CaCertificate: {garbage}", e.Message);
    }

    [Fact]
    public void A_PEM_client_certificate_loads_with_its_key()
    {
        using var ca = Ca("test CA");
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=worker-1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var client = request.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(10), [5, 6, 7, 8]);
        var certPath = WritePem("client.crt", client);
        var keyPath = Path.Combine(_dir.FullName, "client.key");
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());

        using var loaded = BrokerTls.ClientCertificate(new RabbitMqTlsOptions { ClientCertificate = certPath, ClientKey = keyPath });
        Assert.NotNull(loaded);
        Assert.True(loaded.HasPrivateKey);
        Assert.Equal("CN=worker-1", loaded.Subject);
    }

    [Fact]
    public void The_server_name_defaults_to_the_host()
    {
        Assert.Equal("rabbit-2.internal", BrokerTls.ServerName(new RabbitMqOptions { Tls = new() { Enabled = true } }, "rabbit-2.internal"));
        Assert.Equal("broker.test", BrokerTls.ServerName(new RabbitMqOptions { Tls = new() { Enabled = true, ServerName = "broker.test" } }, "10.0.0.5"));
    }

    public void Dispose() => _dir.Delete(recursive: true);
}
