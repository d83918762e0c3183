# ruff: noqa: E501 (real User-Agent headers are long, and are kept whole)
"""The device type read from real User-Agent headers (`ads.devices`)."""

import pytest

from ads.devices import USER_AGENT_MAX_LENGTH, device_type_from_user_agent

USER_AGENTS = [
    pytest.param(
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
        "mobile",
        id="iphone-safari",
    ),
    pytest.param(
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36",
        "mobile",
        id="pixel-chrome",
    ),
    pytest.param(
        "Mozilla/5.0 (Linux; Android 13; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36",
        "mobile",
        id="galaxy-s23-samsung-browser",
    ),
    pytest.param(
        "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
        "tablet",
        id="ipad-safari",
    ),
    pytest.param(
        "Mozilla/5.0 (Linux; Android 13; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
        "tablet",
        id="galaxy-tab-s9-chrome",
    ),
    pytest.param(
        "Mozilla/5.0 (Linux; Android 12; Lenovo TB-X606F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
        "tablet",
        id="lenovo-tab-chrome",
    ),
    pytest.param(
        "Mozilla/5.0 (Linux; U; Android 4.0.3; en-us; KFTT Build/IML74K) AppleWebKit/537.36 (KHTML, like Gecko) Silk/3.68 like Chrome/39.0.2171.93 Safari/537.36",
        "tablet",
        id="kindle-fire-silk",
    ),
    pytest.param(
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
        "desktop",
        id="windows-chrome",
    ),
    pytest.param(
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
        "desktop",
        id="macos-safari",
    ),
    pytest.param(
        "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
        "desktop",
        id="linux-firefox",
    ),
    pytest.param(
        "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
        "desktop",
        id="chromebook",
    ),
    pytest.param(
        "Mozilla/5.0 (SMART-TV; LINUX; Tizen 6.0) AppleWebKit/537.36 (KHTML, like Gecko) 76.0.3809.146/6.0 TV Safari/537.36",
        "tv",
        id="samsung-tizen-tv",
    ),
    pytest.param(
        "Mozilla/5.0 (Web0S; Linux/SmartTV) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/79.0.3945.79 Safari/537.36 WebAppManager",
        "tv",
        id="lg-webos-tv",
    ),
    pytest.param("Roku4640X/DVP-7.70 (297.70E04154A)", "tv", id="roku"),
    pytest.param("AppleTV11,1/11.1", "tv", id="apple-tv"),
    pytest.param(
        "Mozilla/5.0 (Linux; Android 9; AFTMM Build/PS7233; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/88.0.4324.152 Mobile Safari/537.36",
        "tv",
        id="fire-tv-stick",
    ),
    pytest.param(
        "Mozilla/5.0 (X11; Linux armv7l) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/90.0.4430.225 Safari/537.36 CrKey/1.56.500000 DeviceType/AndroidTV",
        "tv",
        id="chromecast-google-tv",
    ),
    pytest.param(
        "Mozilla/5.0 (PlayStation; PlayStation 5/2.26) AppleWebKit/605.1.15 (KHTML, like Gecko)",
        "tv",
        id="playstation-5",
    ),
    pytest.param(
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "",
        id="googlebot",
    ),
    pytest.param(
        "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.201 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "",
        id="googlebot-smartphone",
    ),
    pytest.param(
        "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", "", id="bingbot"
    ),
    pytest.param("curl/8.5.0", "", id="curl"),
    pytest.param("python-requests/2.31.0", "", id="python-requests"),
    pytest.param("", "", id="empty"),
    pytest.param("hello world", "", id="not-a-browser"),
]


@pytest.mark.parametrize(("user_agent", "device"), USER_AGENTS)
def test_the_device_type_of_a_real_user_agent(user_agent, device):
    assert device_type_from_user_agent(user_agent) == device


def test_the_answer_is_cached_per_user_agent():
    user_agent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:126.0) Gecko/20100101 Firefox/126.0"
    before = device_type_from_user_agent.cache_info()
    assert device_type_from_user_agent(user_agent) == "desktop"
    assert device_type_from_user_agent(user_agent) == "desktop"
    after = device_type_from_user_agent.cache_info()
    assert after.hits - before.hits >= 1


def test_an_oversized_header_is_cut_before_it_is_parsed():
    iphone = USER_AGENTS[0].values[0]
    padded = iphone + " x" * USER_AGENT_MAX_LENGTH
    assert device_type_from_user_agent(padded) == "mobile"
