using CaiEvents.Dashboard.Access;

namespace CaiEvents.UnitTests.Dashboard;

public class AccessTokenTests
{
    private static readonly AccessToken Token = new("aAjbkarMbL0Fa9rQ9O3CBHLtMaoZvpED");

    [Fact]
    public void Matches_only_the_exact_token()
    {
        Assert.True(Token.Matches("aAjbkarMbL0Fa9rQ9O3CBHLtMaoZvpED"));
        Assert.False(Token.Matches("aAjbkarMbL0Fa9rQ9O3CBHLtMaoZvpEd"));
        Assert.False(Token.Matches("aAjbkarMbL0Fa9rQ9O3CBHLtMaoZvpED "));
        Assert.False(Token.Matches("aAjbkarMbL0Fa9rQ9O3CBHLtMaoZvpE"));
        Assert.False(Token.Matches(""));
        Assert.False(Token.Matches(null));
    }

    [Theory]
    [InlineData("short")]
    [InlineData("has a space in the middle")]
    public void Weak_or_malformed_tokens_are_refused(string value) =>
        Assert.Throws<ArgumentException>(() => new AccessToken(value));

    [Fact]
    public void The_secret_never_shows_in_ToString() =>
        Assert.DoesNotContain("aAjbkar", Token.ToString(), StringComparison.Ordinal);

    [Theory]
    [InlineData("http://127.0.0.1:5080", "http://127.0.0.1:5080/login?token=aAjbkarMbL0Fa9rQ9O3CBHLtMaoZvpED")]
    [InlineData("http://0.0.0.0:5080", "http://dash-host:5080/login?token=aAjbkarMbL0Fa9rQ9O3CBHLtMaoZvpED")]
    [InlineData("http://[::]:5080", "http://dash-host:5080/login?token=aAjbkarMbL0Fa9rQ9O3CBHLtMaoZvpED")]
    [InlineData("https://+:5443", "https://dash-host:5443/login?token=aAjbkarMbL0Fa9rQ9O3CBHLtMaoZvpED")]
    [InlineData("http://10.1.2.3:80", "http://10.1.2.3/login?token=aAjbkarMbL0Fa9rQ9O3CBHLtMaoZvpED")]
    public void The_login_link_names_a_host_a_browser_can_open(string bound, string expected) =>
        Assert.Equal(expected, LoginLink.For(bound, "dash-host", Token));
}
