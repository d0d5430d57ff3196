# 004's Net, re-indented (the seed's page lost its indentation); then the seed's next lines,
# up to the ONNX export, which is not part of netlab.
import torch
import torch.nn as nn
import torch.nn.functional as F
class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(3, 6, 5) # 3 通道输入,6 通道输出,5x5 卷积核
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120) # 全连接层 y = Wx + b
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)
    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2)) # (2, 2) 最大池化
        x = F.max_pool2d(F.relu(self.conv2(x)), 2) # 方形卷积核可以用一个数字代替大小
        x = x.view(-1, self.num_flat_features(x))
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x
    def num_flat_features(self, x):
        size = x.size()[1:] # 第 0 维是 batch 大小
        num_features = 1
        for s in size:
            num_features *= s
        return num_features
net = Net()
print(net)
x = torch.randn(1, 3, 32, 32)
out = net(x)
