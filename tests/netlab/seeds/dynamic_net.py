import random
import torch
import math

class DynamicNet(torch.nn.Module):
    def __init__(self):
        """
        在这个构造器中,我们实例化五个参数并且将它们赋值给成员变量。
        """
        super().__init__()
        self.a = torch.nn.Parameter(torch.randn(()))
        self.b = torch.nn.Parameter(torch.randn(()))
        self.c = torch.nn.Parameter(torch.randn(()))
        self.d = torch.nn.Parameter(torch.randn(()))
        self.e = torch.nn.Parameter(torch.randn(()))
        
    def forward(self, x):
        """
        对于模型的前向传播,我们随机选择 4 或 5 并复用参数 e 计算这些阶的贡献(contribution)。
        因为每一次前向传播都构建了一个动态的计算图,当定义模型的前向传播时,
        我们可以使用常规的 Python 控制流操作符,像循环或条件语句。
        这里我们也看到了当定义一个计算图时重复使用相同的参数多次是相当安全。
        """
        y = self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3
        for exp in range(4, random.randint(4, 6)):
            y = y + self.e * x ** exp
        return y
    def string(self):
        """
        就像 Python 中的任意一个类一样,你也可以随便定义任何的方法(method)在 PyTorch Modules中。
        """
        return f'y = {self.a.item()} + {self.b.item()} x + {self.c.item()} x^2 + {self.d.item()} x^3 + {self.e.item()} x^4 ? + {self.e.item()} x^5 ?'
    
# 创建持有输入输出的 Tensor。
x = torch.linspace(-math.pi, math.pi, 2000)
y = torch.sin(x)

# 通过实例化上面定义的类,构造我们的模型。
model = DynamicNet()

# 构造我们的损失函数(loss fcuntion)和一个优化器(Optimizer)。使用毫无特色的
# 随机梯度下降(stochastic gradient descent)训练这个强大的模型是艰难的,
# 所以我们使用动量(momentum)。
criterion = torch.nn.MSELoss(reduce='sum')
optimizer = torch.optim.SGD(model.parameters(), lr=1e-8, momentum=0.9)
for t in range(30000):
    # 前向传播:传入 x 到 model 计算预测的 y。
    y_pred = model(x)
    
    # 计算并打印损失值(loss)
    loss = criterion(y_pred, y)
    if t % 2000 == 1999:
        print(t, loss.item())
        
    # 清零梯度、执行反向传播、更新参数
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

print(f'Result: {model.string()}')
