"""The app starts, serves its home page in Chinese and logs a user in."""


def test_home_is_chinese_by_default(client):
    response = client.get("/")
    assert response.status_code == 200
    assert 'lang="zh-CN"' in response.get_data(as_text=True)


def test_login_works(world, login):
    c = login(world.users["caseworker"])
    assert world.users["caseworker"].name in c.get("/").get_data(as_text=True)
